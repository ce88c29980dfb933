-- Settings an administrator changed on the web or through PUT /api/v1/config/custom, by
-- configuration key (`instance.name`, `registration`...). They are applied over the file,
-- environment and flags at start-up and at once when changed; DELETE /config/custom empties it.
CREATE TABLE instance_settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
