-- The durable job queue: pushed with an optional unique key and priority, leased by a worker
-- with a heartbeat, retried with backoff, and kept with its error text when it fails for good.
-- `subject` names what the job works on (for example `video:12`) so deleting that thing
-- cancels its jobs.

CREATE TABLE jobs (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL,
    payload             TEXT NOT NULL DEFAULT '{}',
    subject             TEXT,
    unique_key          TEXT,
    priority            INTEGER NOT NULL DEFAULT 0,
    state               TEXT NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    max_attempts        INTEGER NOT NULL DEFAULT 5,
    run_after           TEXT NOT NULL,
    lease_owner         TEXT,
    lease_expires_at    TEXT,
    progress            INTEGER NOT NULL DEFAULT 0,
    error               TEXT,
    created_at          TEXT NOT NULL,
    started_at          TEXT,
    finished_at         TEXT
);
-- One live job per unique key; finished jobs release the key.
CREATE UNIQUE INDEX jobs_live_unique_key ON jobs (unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_ready ON jobs (state, kind, priority DESC, run_after, id);
CREATE INDEX jobs_lease ON jobs (state, lease_expires_at);
CREATE INDEX jobs_subject ON jobs (subject) WHERE subject IS NOT NULL;
CREATE INDEX jobs_state_created ON jobs (state, created_at);
