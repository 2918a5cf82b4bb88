import { useEffect, useRef, useState } from "react";
import { initials } from "./Presence.jsx";
import { MAX_MESSAGE_BYTES, byteLength } from "./identity.js";
import { textOn } from "./color.js";

function time(ts) {
	return new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function Chat({ messages, name, onSend, canSend }) {
	const [text, setText] = useState("");
	const [sending, setSending] = useState(false);
	const list = useRef(null);

	// Follow the newest message.
	useEffect(() => {
		const el = list.current;
		if (el) el.scrollTop = el.scrollHeight;
	}, [messages]);

	const bytes = byteLength(text.trim());
	const tooLong = bytes > MAX_MESSAGE_BYTES;

	async function submit(e) {
		e.preventDefault();
		if (!text.trim() || tooLong || sending) return;
		setSending(true);
		const ok = await onSend(text);
		setSending(false);
		if (ok) setText("");
	}

	return (
		<section className="card chat">
			<h2>Messages</h2>
			<ol className="messages" ref={list} data-testid="messages">
				{messages.length === 0 && <li className="empty">No messages yet. Say hi!</li>}
				{messages.map((m) => (
					<li key={m.id} data-testid="message" data-id={m.id} data-from={m.name} className={m.name === name ? "mine" : ""}>
						<span className="avatar" style={{ background: m.color, color: textOn(m.color) }}>
							{initials(m.name)}
						</span>
						<div className="bubble">
							<div className="meta">
								<b>{m.name}</b>
								<time>{time(m.ts)}</time>
							</div>
							<div className="text" data-testid="message-text">
								{m.text}
							</div>
						</div>
					</li>
				))}
			</ol>
			<form className="composer" onSubmit={submit}>
				<input
					data-testid="chat-input"
					value={text}
					placeholder={canSend ? "Write a message…" : "Reconnecting…"}
					onChange={(e) => setText(e.target.value)}
				/>
				<button type="submit" className="primary" data-testid="chat-send" disabled={!canSend || !text.trim() || tooLong || sending}>
					Send
				</button>
			</form>
			{bytes > MAX_MESSAGE_BYTES - 100 && (
				<small className={tooLong ? "error counter" : "muted counter"}>
					{bytes} / {MAX_MESSAGE_BYTES} bytes
				</small>
			)}
		</section>
	);
}
