-- These tables belong to the development simulator of the Kavenegar SMS provider
-- (src/integrations/kavenegar_sim.rs, served under /_simulator/kavenegar outside production).
-- They stand for the provider's own records, not for our data: nothing else reads them.
-- They live in PostgreSQL so that every server instance shares one simulated provider and a
-- restarted server still knows which localids it received.

CREATE TABLE kavenegar_simulator_messages (
    messageid   bigserial PRIMARY KEY,
    receptor    text NOT NULL,
    sender      text NOT NULL,
    message     text NOT NULL,
    -- The sender's own id of the message; the provider sends each one once.
    localid     bigint UNIQUE,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE kavenegar_simulator_settings (
    id       int PRIMARY KEY CHECK (id = 1),
    mode     text NOT NULL DEFAULT 'ok' CHECK (mode IN ('ok', 'fail', 'timeout')),
    -- How long `timeout` mode waits before answering, well past a client's timeout.
    delay_ms int NOT NULL DEFAULT 30000 CHECK (delay_ms BETWEEN 0 AND 600000)
);

INSERT INTO kavenegar_simulator_settings (id) VALUES (1);
