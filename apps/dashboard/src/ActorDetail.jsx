import { useState } from "react";
import { ApiError, getActor, inspector } from "./api.js";
import { CopyButton, Empty, ErrorBox, KeyChips, LiveIndicator, StatusBadge } from "./components.jsx";
import { actorStatus, ago, timestamp } from "./format.js";
import { useNow, usePoll } from "./hooks.js";
import { ActionsTab } from "./tabs/ActionsTab.jsx";
import { ConnectionsTab } from "./tabs/ConnectionsTab.jsx";
import { DatabaseTab } from "./tabs/DatabaseTab.jsx";
import { EventsTab } from "./tabs/EventsTab.jsx";
import { QueueTab } from "./tabs/QueueTab.jsx";
import { StateTab } from "./tabs/StateTab.jsx";
import { TracesTab } from "./tabs/TracesTab.jsx";
import { WorkflowTab } from "./tabs/WorkflowTab.jsx";

const TABS = [
	{ id: "state", label: "State", component: StateTab, feature: "isStateEnabled" },
	{ id: "actions", label: "Actions", component: ActionsTab },
	{ id: "connections", label: "Connections", component: ConnectionsTab, count: (s) => s.connections?.length },
	{ id: "events", label: "Events", component: EventsTab },
	{ id: "queue", label: "Queue", component: QueueTab, count: (s) => s.queueSize },
	{ id: "traces", label: "Traces", component: TracesTab },
	{ id: "workflow", label: "Workflow", component: WorkflowTab, feature: "isWorkflowEnabled" },
	{ id: "database", label: "Database", component: DatabaseTab, feature: "isDatabaseEnabled" },
];

function authHint(error) {
	if (!(error instanceof ApiError)) return null;
	if (error.group === "api" && (error.status === 401 || error.status === 403)) {
		return "This server guards inspector tokens with RIVET_TOKEN: enter it under Tokens (top right).";
	}
	if (error.code === "kv_key_not_found") {
		return "This actor has not run yet, so it has no inspector token; it gets one when it first starts (call one of its actions).";
	}
	if (error.group === "inspector") {
		return "The inspector refused the token. Check the tokens under Tokens (top right).";
	}
	return null;
}

/** One actor: its identity, then the inspector's views as tabs. */
export function ActorDetail({ actorId, tab, onTab }) {
	const [live, setLive] = useState(true);
	const [wakeRequested, setWakeRequested] = useState(false);
	const now = useNow(1000);

	const record = usePoll((signal) => getActor(actorId, { signal }), [actorId], { intervalMs: live ? 1000 : 5000 });
	const actor = record.data;
	const status = actorStatus(actor);
	const inspecting = Boolean(actor) && status !== "destroyed" && (status === "awake" || wakeRequested);
	// Latch: once inspected, the tabs stay (with the last data) if the actor later falls asleep.
	const [opened, setOpened] = useState(false);
	if (inspecting && !opened) setOpened(true);

	const summary = usePoll((signal) => inspector.summary(actorId, { signal }), [actorId], {
		enabled: opened && live && status !== "destroyed",
	});

	if (record.data === undefined && !record.error) {
		return <div className="detail-loading muted">Loading actor…</div>;
	}
	if (record.data === null) {
		return (
			<Empty testId="actor-missing">
				There is no actor with id <code>{actorId}</code>.
			</Empty>
		);
	}
	if (!actor) return <ErrorBox error={record.error} title="Cannot load the actor" />;

	const current = TABS.find((t) => t.id === tab) || TABS[0];
	const TabComponent = current.component;
	const s = summary.data || {};

	return (
		<div className="detail" data-testid="actor-detail" data-actor-id={actorId}>
			<section className="detail-head">
				<div className="detail-title">
					<h1 data-testid="detail-name">{actor.name}</h1>
					<KeyChips value={actor.key} />
					<StatusBadge status={status} />
				</div>
				<div className="detail-meta">
					<span className="meta-item">
						<span className="muted">ID</span> <code data-testid="detail-actor-id">{actor.actor_id}</code>
						<CopyButton text={actor.actor_id} />
					</span>
					<span className="meta-item" title={timestamp(actor.create_ts)}>
						<span className="muted">Created</span> {ago(actor.create_ts, now)}
					</span>
					{actor.destroy_ts && (
						<span className="meta-item" title={timestamp(actor.destroy_ts)}>
							<span className="muted">Destroyed</span> {ago(actor.destroy_ts, now)}
						</span>
					)}
					<span className="meta-spacer" />
					{opened && status !== "destroyed" && (
						<>
							<LiveIndicator updatedAt={live ? summary.updatedAt : 0} error={live ? summary.error : null} />
							<button
								type="button"
								className="btn btn-ghost btn-xs"
								data-testid="live-toggle"
								onClick={() => setLive((v) => !v)}
								title="Inspecting counts as activity: pause to let the actor fall asleep"
							>
								{live ? "Pause" : "Resume"}
							</button>
						</>
					)}
				</div>
			</section>

			{status === "destroyed" && (
				<Empty testId="actor-destroyed">This actor was destroyed; it has nothing left to inspect.</Empty>
			)}

			{status === "sleeping" && !opened && (
				<div className="sleep-banner" data-testid="sleep-banner">
					<div>
						<strong>This actor is asleep.</strong> Its state is stored; inspecting it wakes it up
						(it falls asleep again once it has been idle long enough).
					</div>
					<button type="button" className="btn btn-primary" data-testid="wake" onClick={() => setWakeRequested(true)}>
						Wake and inspect
					</button>
				</div>
			)}

			{opened && status !== "destroyed" && (
				<>
					{summary.error && !summary.data && (
						<ErrorBox error={summary.error} title="Cannot open the inspector" testId="inspector-error" />
					)}
					{summary.error && authHint(summary.error) && <p className="hint">{authHint(summary.error)}</p>}
					<nav className="tabs" role="tablist">
						{TABS.map((t) => {
							const disabled = t.feature && summary.data && !s[t.feature];
							const count = t.count && summary.data ? t.count(s) : null;
							return (
								<button
									key={t.id}
									type="button"
									role="tab"
									aria-selected={t.id === current.id}
									className={`tab${t.id === current.id ? " active" : ""}${disabled ? " disabled" : ""}`}
									data-testid={`tab-${t.id}`}
									title={disabled ? "Not enabled for this actor" : undefined}
									onClick={() => onTab(t.id)}
								>
									{t.label}
									{count !== null && count !== undefined && <span className="tab-count">{count}</span>}
								</button>
							);
						})}
					</nav>
					<section className="tab-body" data-testid={`panel-${current.id}`}>
						{current.feature && summary.data && !s[current.feature] ? (
							<Empty testId="tab-disabled">
								{current.id === "state" && "This actor has no state."}
								{current.id === "workflow" && "This actor has no workflow."}
								{current.id === "database" && "This actor has no database."}
							</Empty>
						) : (
							<TabComponent
								actorId={actorId}
								live={live}
								summary={summary.data}
								refreshSummary={summary.refresh}
							/>
						)}
					</section>
				</>
			)}
		</div>
	);
}
