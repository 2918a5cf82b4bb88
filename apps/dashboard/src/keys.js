// Actor keys as the management API spells them (spec "key serialization"): components joined by
// "/", with "\" escaping "/" and "\" inside a component, "\0" marking an empty component, and "/"
// alone meaning the empty key.

/** The components of a serialized key. */
export function deserializeKey(text) {
	if (text === null || text === undefined || text === "" || text === "/") return [];
	const parts = [];
	let current = "";
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (c === "\\") {
			if (i + 1 >= text.length) {
				current += c; // a trailing lone backslash is kept
				continue;
			}
			const next = text[++i];
			if (next !== "0") current += next; // "\0": this component is the empty string
		} else if (c === "/") {
			parts.push(current);
			current = "";
		} else {
			current += c;
		}
	}
	parts.push(current);
	return parts;
}

/** One line for people: components joined by " / ", empty ones shown as "". */
export function keyLabel(text) {
	const parts = deserializeKey(text);
	if (parts.length === 0) return "(no key)";
	return parts.map((p) => (p === "" ? '""' : p)).join(" / ");
}
