-- A deleted local actor's last activities (the Delete of itself and of its videos) must still
-- be signed after its row is gone: a delivery keeps the signer's id and key of its own, and
-- losing the signer row no longer drops the delivery (SQLite cannot change a foreign key in
-- place, so the table is rebuilt).
CREATE TABLE deliveries_new (
    id              INTEGER PRIMARY KEY,
    host            TEXT NOT NULL,
    inbox_url       TEXT NOT NULL,
    signer_id       INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    -- Set once the signer is being deleted: its ActivityPub id and private key (PKCS#8 PEM).
    signer_url      TEXT,
    signer_key_pem  TEXT,
    activity        TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
INSERT INTO deliveries_new (id, host, inbox_url, signer_id, activity, created_at)
    SELECT id, host, inbox_url, signer_id, activity, created_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_host ON deliveries (host, id);
