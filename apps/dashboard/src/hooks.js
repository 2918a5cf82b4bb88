import { useCallback, useEffect, useRef, useState } from "react";

/** How often the live views ask again. */
export const POLL_MS = 1000;

/**
 * Calls `load(signal)` now and then every `intervalMs` after each answer, while `enabled`.
 * Skips rounds while the tab is hidden. Returns {data, error, loading, updatedAt, refresh}; data
 * keeps the last good answer when a later round fails. Changing `deps` starts over.
 */
export function usePoll(load, deps, { intervalMs = POLL_MS, enabled = true } = {}) {
	const [state, setState] = useState({ data: undefined, error: null, loading: true, updatedAt: 0 });
	const [round, setRound] = useState(0);
	const loadRef = useRef(load);
	loadRef.current = load;
	const depsKey = JSON.stringify(deps);
	const lastKey = useRef(depsKey);

	useEffect(() => {
		if (lastKey.current !== depsKey) {
			lastKey.current = depsKey;
			setState({ data: undefined, error: null, loading: true, updatedAt: 0 });
		}
		if (!enabled) return undefined;
		let stopped = false;
		let timer;
		const controller = new AbortController();
		const tick = async () => {
			if (document.hidden) {
				timer = setTimeout(tick, intervalMs);
				return;
			}
			try {
				const data = await loadRef.current(controller.signal);
				if (!stopped) setState({ data, error: null, loading: false, updatedAt: Date.now() });
			} catch (error) {
				if (stopped || error?.name === "AbortError") return;
				setState((s) => ({ ...s, error, loading: false }));
			}
			if (!stopped) timer = setTimeout(tick, intervalMs);
		};
		tick();
		return () => {
			stopped = true;
			clearTimeout(timer);
			controller.abort();
		};
	}, [depsKey, enabled, intervalMs, round]);

	const refresh = useCallback(() => setRound((r) => r + 1), []);
	return { ...state, refresh };
}

/** Re-renders every `ms` (for "3s ago" labels). */
export function useNow(ms = 1000) {
	const [now, setNow] = useState(Date.now());
	useEffect(() => {
		const t = setInterval(() => setNow(Date.now()), ms);
		return () => clearInterval(t);
	}, [ms]);
	return now;
}

// -- routing: /ui/ and /ui/actors/<id>/<tab> -------------------------------------------------------

const BASE = import.meta.env.BASE_URL; // "/ui/"

function parseLocation() {
	const rest = window.location.pathname.startsWith(BASE)
		? window.location.pathname.slice(BASE.length)
		: "";
	const parts = rest.split("/").filter(Boolean).map(decodeURIComponent);
	if (parts[0] === "actors" && parts[1]) return { actorId: parts[1], tab: parts[2] || "state" };
	return { actorId: null, tab: "state" };
}

export function routePath({ actorId, tab }) {
	if (!actorId) return BASE;
	return `${BASE}actors/${encodeURIComponent(actorId)}/${tab || "state"}`;
}

/** The current route and a navigate(route) that pushes history. */
export function useRoute() {
	const [route, setRoute] = useState(parseLocation);
	useEffect(() => {
		const onPop = () => setRoute(parseLocation());
		window.addEventListener("popstate", onPop);
		return () => window.removeEventListener("popstate", onPop);
	}, []);
	const navigate = useCallback((next, { replace = false } = {}) => {
		const path = routePath(next);
		if (path !== window.location.pathname) {
			if (replace) window.history.replaceState(null, "", path + window.location.search);
			else window.history.pushState(null, "", path + window.location.search);
		}
		setRoute(parseLocation());
	}, []);
	return [route, navigate];
}
