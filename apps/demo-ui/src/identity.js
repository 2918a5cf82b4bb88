// Names, colors and the room: what the join form offers, remembered in localStorage.

// The same palette the chatRoom actor picks from when a client sends no color.
export const PALETTE = ["#e5484d", "#f76b15", "#ffc53d", "#46a758", "#12a594", "#0090ff", "#6e56cf", "#d6409f"];

export const MAX_NAME_BYTES = 32;
export const MAX_MESSAGE_BYTES = 500;

const ADJECTIVES = ["Swift", "Quiet", "Brave", "Lucky", "Sunny", "Clever", "Gentle", "Bold", "Merry", "Nimble"];
const ANIMALS = ["Otter", "Falcon", "Panda", "Lynx", "Heron", "Badger", "Koala", "Fox", "Orca", "Gecko"];

function pick(list) {
	return list[Math.floor(Math.random() * list.length)];
}

export function randomName() {
	return `${pick(ADJECTIVES)} ${pick(ANIMALS)}`;
}

export function randomColor() {
	return pick(PALETTE);
}

export function byteLength(text) {
	return new TextEncoder().encode(text).length;
}

const STORE_KEY = "rivetkit-cpp-demo:identity";

export function loadIdentity() {
	try {
		const saved = JSON.parse(localStorage.getItem(STORE_KEY) || "null");
		if (saved && typeof saved.name === "string" && PALETTE.includes(saved.color)) return saved;
	} catch {
		// A broken entry: start afresh.
	}
	return { name: randomName(), color: randomColor() };
}

export function saveIdentity(identity) {
	try {
		localStorage.setItem(STORE_KEY, JSON.stringify(identity));
	} catch {
		// Private mode and the like: not remembered, still works.
	}
}

/** The room named in the URL (?room=...), or "lobby". */
export function roomFromUrl() {
	const room = new URLSearchParams(window.location.search).get("room");
	return room && room.trim() ? room.trim().slice(0, 48) : "lobby";
}

export function setRoomInUrl(room) {
	const url = new URL(window.location.href);
	url.searchParams.set("room", room);
	window.history.replaceState(null, "", url);
}
