import { useCallback, useEffect, useRef, useState } from "react";
import { Chat } from "./Chat.jsx";
import { CursorArea } from "./CursorArea.jsx";
import { Presence } from "./Presence.jsx";
import { StatusPill } from "./StatusPill.jsx";
import { useActor } from "./rivet.js";

// What the chatRoom actor keeps (kMaxHistory in apps/rivet-demo/chat_room.hpp).
const MAX_HISTORY = 200;
// Pointer updates: at most one call in flight, then at most one per this many ms.
const CURSOR_INTERVAL_MS = 30;

/** The messages of both lists, one per id, oldest first. */
function mergeMessages(base, extra) {
	const byId = new Map();
	for (const m of base) byId.set(m.id, m);
	for (const m of extra) byId.set(m.id, m);
	return [...byId.values()].sort((a, b) => a.id - b.id).slice(-MAX_HISTORY);
}

function describe(err) {
	if (!err) return null;
	const code = err.group && err.code ? `${err.group}.${err.code}` : null;
	return code ? `${err.message} (${code})` : String(err.message || err);
}

/**
 * Sends the latest pointer position, dropping the ones in between: one call in flight at a time.
 * `null` hides the pointer. After a reconnect the last position is sent again (the server keeps
 * cursors in connection state, which a new connection starts without).
 */
function useCursorSender(connection, connected) {
	const s = useRef({ pending: undefined, last: null, busy: false });
	const flushRef = useRef(() => {});

	const flush = useCallback(() => {
		const st = s.current;
		if (st.busy || st.pending === undefined || !connection || !connected) return;
		const next = st.pending;
		st.pending = undefined;
		st.busy = true;
		const call = next === null ? connection.hideCursor() : connection.moveCursor(next.x, next.y);
		Promise.resolve(call)
			.catch(() => {})
			.finally(() => {
				setTimeout(() => {
					st.busy = false;
					flushRef.current();
				}, CURSOR_INTERVAL_MS);
			});
	}, [connection, connected]);
	flushRef.current = flush;

	useEffect(() => {
		if (connected && s.current.last) {
			s.current.pending = s.current.last;
			flush();
		}
	}, [connected, flush]);

	return useCallback(
		(pos) => {
			s.current.pending = pos;
			s.current.last = pos;
			flushRef.current();
		},
		[],
	);
}

export function Room({ name, color, room, onLeave }) {
	const actor = useActor({ name: "chatRoom", key: [room], params: { name, color } });
	const { connection, connStatus, error } = actor;
	const connected = connStatus === "connected" && connection != null;

	const [messages, setMessages] = useState([]);
	const [users, setUsers] = useState([]);
	const [cursors, setCursors] = useState({});
	const [you, setYou] = useState(null);
	const [synced, setSynced] = useState(false);
	const [reconnects, setReconnects] = useState(0);
	const [problem, setProblem] = useState(null);
	const [everConnected, setEverConnected] = useState(false);

	actor.useEvent("message", (m) => setMessages((prev) => mergeMessages(prev, [m])));
	actor.useEvent("presence", (list) => {
		setUsers(list);
		const here = new Set(list.map((u) => u.id));
		setCursors((prev) => Object.fromEntries(Object.entries(prev).filter(([id]) => here.has(id))));
	});
	actor.useEvent("cursor", (c) => setCursors((prev) => ({ ...prev, [c.id]: c })));

	// On every (re)connect: the whole room again. The server's history is the truth; messages that
	// arrived as events while this call was on its way (newer ids) are kept.
	useEffect(() => {
		if (!connected) {
			setSynced(false);
			return;
		}
		if (everConnected) setReconnects((n) => n + 1);
		setEverConnected(true);
		let cancelled = false;
		connection
			.getRoom()
			.then((r) => {
				if (cancelled) return;
				const last = r.messages.length ? r.messages[r.messages.length - 1].id : 0;
				setMessages((prev) =>
					mergeMessages(
						r.messages,
						prev.filter((m) => m.id > last),
					),
				);
				setUsers(r.users);
				setCursors(Object.fromEntries(r.cursors.map((c) => [c.id, c])));
				setYou(r.you);
				setSynced(true);
				setProblem(null);
			})
			.catch((err) => {
				if (!cancelled) setProblem(describe(err));
			});
		return () => {
			cancelled = true;
		};
	}, [connected, connection]);

	const sendCursor = useCursorSender(connection, connected);

	async function sendMessage(text) {
		if (!connected) return false;
		try {
			const m = await connection.sendMessage(text);
			setMessages((prev) => mergeMessages(prev, [m]));
			setProblem(null);
			return true;
		} catch (err) {
			setProblem(describe(err));
			return false;
		}
	}

	const others = Object.values(cursors).filter((c) => c.id !== you && c.visible);

	return (
		<div className="room-page">
			<header className="topbar">
				<div className="brand">
					<img src="/favicon.svg" alt="" width="24" height="24" />
					<span>rivetkit-cpp</span>
				</div>
				<h1 className="room-name" data-testid="room-name">
					<span className="hash">#</span>
					{room}
				</h1>
				<StatusPill status={connStatus} everConnected={everConnected} synced={synced} reconnects={reconnects} />
				<div className="spacer" />
				<span className="me">
					<span className="dot" style={{ background: color }} />
					{name}
				</span>
				<a className="ghost link" href="/ui/" target="_blank" rel="noreferrer" title="The actors in the dashboard">
					Dashboard ↗
				</a>
				<button type="button" className="ghost" onClick={onLeave} data-testid="leave">
					Leave
				</button>
			</header>

			{(error || problem) && (
				<div className="banner" data-testid="problem" role="alert">
					{describe(error) || problem}
				</div>
			)}

			<main className="room-main">
				<CursorArea
					room={room}
					cursors={others}
					onMove={sendCursor}
					onLeave={() => sendCursor(null)}
					color={color}
				/>
				<aside className="sidebar">
					<Presence users={users} you={you} stale={!connected} />
					<Chat messages={messages} name={name} onSend={sendMessage} canSend={connected} />
				</aside>
			</main>
		</div>
	);
}
