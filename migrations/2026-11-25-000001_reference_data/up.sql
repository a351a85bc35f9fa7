-- Reference data: provinces, cities, universities of medical sciences and what each covers,
-- fields of study and degree levels (with the R4 eligibility flag), the review-fee schedule
-- and the document kinds a request must carry. The rows themselves are in the next migration.

CREATE TABLE provinces (
    id      integer PRIMARY KEY,
    name    text NOT NULL UNIQUE,
    name_fa text NOT NULL UNIQUE
);

CREATE TABLE cities (
    id          integer PRIMARY KEY,
    province_id integer NOT NULL REFERENCES provinces (id),
    name        text NOT NULL,
    name_fa     text NOT NULL,
    is_capital  boolean NOT NULL DEFAULT false,
    UNIQUE (province_id, name),
    UNIQUE (province_id, name_fa)
);
CREATE INDEX cities_province_idx ON cities (province_id);
-- Exactly one capital per province.
CREATE UNIQUE INDEX cities_one_capital_idx ON cities (province_id) WHERE is_capital;

CREATE TABLE universities (
    id          integer PRIMARY KEY,
    province_id integer NOT NULL REFERENCES provinces (id),
    name        text NOT NULL UNIQUE,
    name_fa     text NOT NULL UNIQUE
);
CREATE INDEX universities_province_idx ON universities (province_id);

-- Which university reviews the files of which place (R2). A row with city_id NULL makes the
-- university the default of its whole province; a row with a city overrides that default for
-- the city (Tehran province is split between three universities this way).
CREATE TABLE university_coverage (
    id            serial PRIMARY KEY,
    university_id integer NOT NULL REFERENCES universities (id),
    province_id   integer NOT NULL REFERENCES provinces (id),
    city_id       integer REFERENCES cities (id)
);
CREATE UNIQUE INDEX university_coverage_city_idx ON university_coverage (city_id) WHERE city_id IS NOT NULL;
CREATE UNIQUE INDEX university_coverage_province_idx ON university_coverage (province_id) WHERE city_id IS NULL;

CREATE TABLE fields_of_study (
    id       integer PRIMARY KEY,
    code     text NOT NULL UNIQUE,
    name     text NOT NULL UNIQUE,
    name_fa  text NOT NULL UNIQUE,
    eligible boolean NOT NULL DEFAULT true
);

CREATE TABLE degree_levels (
    code     text PRIMARY KEY CHECK (code IN ('ASSOCIATE', 'BACHELOR', 'MASTER', 'DOCTORATE')),
    name     text NOT NULL,
    name_fa  text NOT NULL,
    rank     integer NOT NULL UNIQUE,
    eligible boolean NOT NULL DEFAULT true
);

-- The fee of reviewing a request, in Rials. Approval copies the amount into the request, so a
-- change applies to later approvals only (R9).
CREATE TABLE review_fees (
    kind         text PRIMARY KEY CHECK (kind IN ('NEW', 'AMENDMENT')),
    amount_rials bigint NOT NULL CHECK (amount_rials > 0),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The document kinds a request of each kind must carry before it can be submitted.
CREATE TABLE required_document_kinds (
    request_kind  text NOT NULL CHECK (request_kind IN ('NEW', 'AMENDMENT')),
    document_kind text NOT NULL CHECK (document_kind IN ('DEGREE_CERTIFICATE', 'NATIONAL_CARD', 'BIRTH_CERTIFICATE', 'PHOTO', 'OTHER')),
    PRIMARY KEY (request_kind, document_kind)
);
