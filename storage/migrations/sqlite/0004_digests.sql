-- Digest subscriptions: from the config file (by name) or made in Slack.
CREATE TABLE digest_subscriptions (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    channel          TEXT NOT NULL,
    schedule         TEXT NOT NULL,
    timezone         TEXT NOT NULL,
    kinds            TEXT NOT NULL DEFAULT '', -- comma-separated; '' is all
    labels_any       TEXT NOT NULL DEFAULT '',
    labels_all       TEXT NOT NULL DEFAULT '',
    labels_none      TEXT NOT NULL DEFAULT '',
    skip_empty       INTEGER NOT NULL DEFAULT 0,
    catch_up_seconds INTEGER NOT NULL DEFAULT 21600,
    triage_days      INTEGER NOT NULL DEFAULT 7,
    origin           TEXT NOT NULL CHECK (origin IN ('config', 'slack')),
    created_by       TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL
);

-- One row per subscription and period, inserted before posting: the
-- UNIQUE key is what makes a digest exactly once across restarts.
CREATE TABLE digest_runs (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES digest_subscriptions (id) ON DELETE CASCADE,
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('posting', 'posted', 'empty', 'skipped')),
    outbox_key      TEXT NOT NULL DEFAULT '',
    message_ts      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    UNIQUE (subscription_id, period_end)
);

CREATE INDEX digest_runs_outbox ON digest_runs (outbox_key) WHERE outbox_key <> '';

-- A message may reply in the thread of another outbox message: it waits
-- until that one is sent and takes its ts.
ALTER TABLE outbox ADD COLUMN thread_of TEXT NOT NULL DEFAULT '';
