-- Technical officers (مسئول فنی): one per national code (R1), which with the birth date never
-- changes (E1).

CREATE SEQUENCE officer_user_code_seq START 1000001;

CREATE TABLE officers (
    id                       uuid PRIMARY KEY,
    user_id                  uuid NOT NULL UNIQUE REFERENCES users (id),
    national_code            text NOT NULL CHECK (national_code ~ '^[0-9]{10}$'),
    birth_date               date NOT NULL,
    first_name               text NOT NULL CHECK (first_name <> ''),
    last_name                text NOT NULL CHECK (last_name <> ''),
    father_name              text,
    gender                   text CHECK (gender IN ('MALE', 'FEMALE')),
    birth_certificate_number text,
    phone                    text,
    mobile                   text NOT NULL CHECK (mobile ~ '^09[0-9]{9}$'),
    email                    text,
    postal_address           text,
    province_id              integer REFERENCES provinces (id),
    city_id                  integer REFERENCES cities (id),
    field_of_study_id        integer REFERENCES fields_of_study (id),
    degree_level             text REFERENCES degree_levels (code),
    qualification_status     text NOT NULL DEFAULT 'NOT_QUALIFIED'
                             CHECK (qualification_status IN ('NOT_QUALIFIED', 'QUALIFIED')),
    qualified_at             timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT officers_national_code_key UNIQUE (national_code)
);

-- E1: the national code and the birth date never change, whatever the code path.
CREATE FUNCTION officers_immutable_identity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.national_code IS DISTINCT FROM OLD.national_code
       OR NEW.birth_date IS DISTINCT FROM OLD.birth_date THEN
        RAISE EXCEPTION 'national code and birth date never change (E1)'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER officers_immutable_identity BEFORE UPDATE ON officers
    FOR EACH ROW EXECUTE FUNCTION officers_immutable_identity();
