-- Qualification requests (NEW and AMENDMENT), their documents and deficiencies.

CREATE TABLE qualification_requests (
    id                       uuid PRIMARY KEY,
    officer_id               uuid NOT NULL REFERENCES officers (id),
    kind                     text NOT NULL CHECK (kind IN ('NEW', 'AMENDMENT')),
    status                   text NOT NULL CHECK (status IN ('DRAFT', 'SUBMITTED', 'UNDER_REVIEW',
                                 'DEFICIENT', 'AWAITING_PAYMENT', 'COMPLETED', 'REJECTED', 'CANCELLED')),
    -- Proposed data (E3 and E2 items), prefilled from the officer.
    first_name               text,
    last_name                text,
    father_name              text,
    gender                   text CHECK (gender IN ('MALE', 'FEMALE')),
    birth_certificate_number text,
    phone                    text,
    mobile                   text,
    email                    text,
    postal_address           text,
    province_id              integer REFERENCES provinces (id),
    city_id                  integer REFERENCES cities (id),
    field_of_study_id        integer REFERENCES fields_of_study (id),
    degree_level             text REFERENCES degree_levels (code),
    -- Routing and review.
    university_id            integer REFERENCES universities (id),
    assigned_reviewer_id     uuid REFERENCES users (id),
    fee_rials                bigint CHECK (fee_rials > 0),
    rejection_reason         text CHECK (rejection_reason IN ('WRONG_PROVINCE', 'INELIGIBLE_EDUCATION',
                                 'INCOMPLETE_DOCUMENTS', 'OTHER')),
    submitted_at             timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now()
);
-- At most one open request per officer, also under a race.
CREATE UNIQUE INDEX qualification_requests_one_open_idx ON qualification_requests (officer_id)
    WHERE status NOT IN ('REJECTED', 'COMPLETED', 'CANCELLED');
CREATE INDEX qualification_requests_officer_idx ON qualification_requests (officer_id, created_at DESC, id DESC);
-- The reviewer's cartable: a university's requests by status, oldest submission first.
CREATE INDEX qualification_requests_queue_idx ON qualification_requests (university_id, status, submitted_at, id);

CREATE TABLE documents (
    id                  uuid PRIMARY KEY,
    request_id          uuid NOT NULL REFERENCES qualification_requests (id),
    officer_id          uuid NOT NULL REFERENCES officers (id),
    kind                text NOT NULL CHECK (kind IN ('DEGREE_CERTIFICATE', 'NATIONAL_CARD',
                            'BIRTH_CERTIFICATE', 'PHOTO', 'OTHER')),
    file_name           text NOT NULL,
    content_type        text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes          bigint NOT NULL CHECK (size_bytes > 0),
    sha256              text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    storage_key         text NOT NULL UNIQUE,
    uploaded_by         uuid NOT NULL REFERENCES users (id),
    -- Set when the request completes: the document is then part of the officer's file.
    current_for_officer boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_request_idx ON documents (request_id, created_at, id);
CREATE INDEX documents_officer_current_idx ON documents (officer_id) WHERE current_for_officer;

CREATE TABLE deficiencies (
    id            uuid PRIMARY KEY,
    request_id    uuid NOT NULL REFERENCES qualification_requests (id),
    round         integer NOT NULL,
    field         text,
    document_kind text CHECK (document_kind IN ('DEGREE_CERTIFICATE', 'NATIONAL_CARD',
                      'BIRTH_CERTIFICATE', 'PHOTO', 'OTHER')),
    description   text NOT NULL CHECK (description <> ''),
    resolved      boolean NOT NULL DEFAULT false,
    reported_by   uuid NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (field IS NOT NULL OR document_kind IS NOT NULL)
);
CREATE INDEX deficiencies_request_idx ON deficiencies (request_id, round, created_at);

-- History of a request is read by entity; the cartable reads the whole log in order.
CREATE INDEX events_occurred_idx ON events (occurred_at);
