import { useState } from "react";
import { ActorDetail } from "./ActorDetail.jsx";
import { ActorList } from "./ActorList.jsx";
import { Settings } from "./Settings.jsx";
import { useRoute } from "./hooks.js";

export function App() {
	const [route, navigate] = useRoute();
	const [settingsOpen, setSettingsOpen] = useState(false);
	// Bumped when tokens change, so every view starts over with them.
	const [generation, setGeneration] = useState(0);

	return (
		<div className="app">
			<header className="topbar">
				<a
					className="brand"
					href={import.meta.env.BASE_URL}
					onClick={(e) => {
						e.preventDefault();
						navigate({ actorId: null });
					}}
				>
					<img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width="22" height="22" />
					<span className="brand-name">Rivet</span>
					<span className="brand-sub">Actors dashboard</span>
				</a>
				<div className="topbar-right">
					<span className="muted small" title="The server this page was loaded from">
						{window.location.host}
					</span>
					<button
						type="button"
						className="btn btn-ghost"
						data-testid="settings-open"
						onClick={() => setSettingsOpen(true)}
					>
						Tokens
					</button>
				</div>
			</header>
			<div className="layout">
				<aside className="sidebar">
					<ActorList
						key={`list-${generation}`}
						selectedId={route.actorId}
						onSelect={(actorId) => navigate({ actorId, tab: route.actorId ? route.tab : "state" })}
					/>
				</aside>
				<main className="main">
					{route.actorId ? (
						<ActorDetail
							key={`${route.actorId}-${generation}`}
							actorId={route.actorId}
							tab={route.tab}
							onTab={(tab) => navigate({ actorId: route.actorId, tab }, { replace: true })}
						/>
					) : (
						<Welcome />
					)}
				</main>
			</div>
			{settingsOpen && (
				<Settings
					onClose={(changed) => {
						setSettingsOpen(false);
						if (changed) setGeneration((g) => g + 1);
					}}
				/>
			)}
		</div>
	);
}

function Welcome() {
	return (
		<div className="welcome">
			<h1>Actors</h1>
			<p>
				Pick an actor on the left to see its state, call its actions, and watch its connections,
				events, queue and traces live. Actors with a workflow or a SQLite database show their
				history and tables too.
			</p>
			<p className="muted">
				Inspecting an actor wakes it and counts as activity, so an actor stays awake while it is
				open here with live updates on.
			</p>
		</div>
	);
}
