import { useState } from "react";
import { inspector } from "../api.js";
import { Empty, ErrorBox } from "../components.jsx";
import { pretty } from "../format.js";
import { usePoll } from "../hooks.js";

function parse(text) {
	try {
		return { value: JSON.parse(text), error: null };
	} catch (e) {
		return { value: undefined, error: e.message };
	}
}

/**
 * The actor's state as editable JSON. The editor follows the live state until the first edit;
 * from then on live updates pause until Save or Revert.
 */
export function StateTab({ actorId, live, refreshSummary }) {
	const state = usePoll((signal) => inspector.state(actorId, { signal }), [actorId], { enabled: live });
	const [draft, setDraft] = useState(null); // null: follow the live state
	const [base, setBase] = useState(null); // the live text when editing began
	const [saving, setSaving] = useState(false);
	const [saveError, setSaveError] = useState(null);
	const [notice, setNotice] = useState(null);

	if (state.data === undefined) {
		return state.error ? <ErrorBox error={state.error} title="Cannot read the state" /> : <p className="muted">Loading…</p>;
	}
	if (!state.data.isStateEnabled) {
		return <Empty testId="state-disabled">This actor has no state.</Empty>;
	}

	const liveText = pretty(state.data.state);
	const editing = draft !== null;
	const text = editing ? draft : liveText;
	const parsed = editing ? parse(draft) : { error: null };
	const changedMeanwhile = editing && base !== liveText;

	const save = async () => {
		if (parsed.error) return;
		setSaving(true);
		setSaveError(null);
		try {
			await inspector.patchState(actorId, parsed.value);
			setDraft(null);
			setBase(null);
			setNotice("Saved");
			setTimeout(() => setNotice(null), 2000);
			state.refresh();
			refreshSummary?.();
		} catch (e) {
			setSaveError(e);
		} finally {
			setSaving(false);
		}
	};

	return (
		<div className="state-tab">
			<div className="toolbar">
				<span className={`pill ${editing ? "pill-warn" : "pill-ok"}`} data-testid="state-mode">
					{editing ? "Editing — live updates paused" : live ? "Following live state" : "Paused"}
				</span>
				{notice && (
					<span className="pill pill-ok" data-testid="state-saved">
						{notice}
					</span>
				)}
				<span className="toolbar-spacer" />
				<button
					type="button"
					className="btn btn-ghost"
					disabled={!editing || Boolean(parsed.error)}
					onClick={() => setDraft(pretty(parsed.value))}
				>
					Format
				</button>
				<button
					type="button"
					className="btn"
					data-testid="state-revert"
					disabled={!editing || saving}
					onClick={() => {
						setDraft(null);
						setBase(null);
						setSaveError(null);
					}}
				>
					Revert
				</button>
				<button
					type="button"
					className="btn btn-primary"
					data-testid="state-save"
					disabled={!editing || saving || Boolean(parsed.error)}
					onClick={save}
				>
					{saving ? "Saving…" : "Save"}
				</button>
			</div>
			{changedMeanwhile && (
				<p className="hint warn" data-testid="state-conflict">
					The actor's state changed since you started editing. Saving replaces it with your version.
				</p>
			)}
			<textarea
				className={`editor${parsed.error ? " invalid" : ""}`}
				spellCheck={false}
				data-testid="state-editor"
				aria-label="State (JSON)"
				value={text}
				rows={Math.min(30, Math.max(8, text.split("\n").length + 1))}
				onChange={(e) => {
					if (!editing) setBase(liveText);
					setDraft(e.target.value);
				}}
				onKeyDown={(e) => {
					if ((e.ctrlKey || e.metaKey) && e.key === "s") {
						e.preventDefault();
						if (editing) save();
					}
				}}
			/>
			{parsed.error && (
				<p className="hint error" data-testid="state-parse-error">
					Not valid JSON: {parsed.error}
				</p>
			)}
			<ErrorBox error={saveError} title="The state was not saved" testId="state-save-error" />
			{state.error && <ErrorBox error={state.error} title="Live update failed" />}
		</div>
	);
}
