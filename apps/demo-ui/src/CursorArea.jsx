import { useRef } from "react";
import { textOn } from "./color.js";

function clamp01(v) {
	return Math.min(1, Math.max(0, v));
}

// The shared area: each pointer over it, as fractions of its size, goes to everyone in the room.
export function CursorArea({ room, cursors, onMove, onLeave }) {
	const ref = useRef(null);

	function move(e) {
		const r = ref.current.getBoundingClientRect();
		if (r.width === 0 || r.height === 0) return;
		onMove({ x: clamp01((e.clientX - r.left) / r.width), y: clamp01((e.clientY - r.top) / r.height) });
	}

	return (
		<section className="canvas" ref={ref} data-testid="cursor-area" onPointerMove={move} onPointerLeave={onLeave}>
			<div className="canvas-hint">
				<strong>Move your pointer here.</strong>
				<span>Everyone in #{room} sees it, live.</span>
			</div>
			{cursors.map((c) => (
				<div
					key={c.id}
					className="cursor"
					data-testid="cursor"
					data-name={c.name}
					data-x={c.x}
					data-y={c.y}
					style={{ left: `${c.x * 100}%`, top: `${c.y * 100}%` }}
				>
					<svg width="22" height="22" viewBox="0 0 22 22" aria-hidden="true">
						<path d="M3 2l15 7.5-6.6 1.9L8.6 18z" fill={c.color} stroke="#fff" strokeWidth="1.5" strokeLinejoin="round" />
					</svg>
					<span className="cursor-label" style={{ background: c.color, color: textOn(c.color) }}>
						{c.name}
					</span>
				</div>
			))}
			<footer className="canvas-foot">
				<code>chatRoom["{room}"]</code> · an actor in C++ · this page: <code>rivetkit</code> client +{" "}
				<code>@rivetkit/react</code>
			</footer>
		</section>
	);
}
