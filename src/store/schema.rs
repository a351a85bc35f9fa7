//! Diesel table definitions, kept by hand in step with `migrations/`.
#![allow(missing_docs)]

diesel::table! {
    provinces (id) {
        id -> Int4,
        name -> Text,
        name_fa -> Text,
    }
}

diesel::table! {
    cities (id) {
        id -> Int4,
        province_id -> Int4,
        name -> Text,
        name_fa -> Text,
        is_capital -> Bool,
    }
}

diesel::table! {
    universities (id) {
        id -> Int4,
        province_id -> Int4,
        name -> Text,
        name_fa -> Text,
    }
}

diesel::table! {
    university_coverage (id) {
        id -> Int4,
        university_id -> Int4,
        province_id -> Int4,
        city_id -> Nullable<Int4>,
    }
}

diesel::table! {
    fields_of_study (id) {
        id -> Int4,
        code -> Text,
        name -> Text,
        name_fa -> Text,
        eligible -> Bool,
    }
}

diesel::table! {
    degree_levels (code) {
        code -> Text,
        name -> Text,
        name_fa -> Text,
        rank -> Int4,
        eligible -> Bool,
    }
}

diesel::table! {
    review_fees (kind) {
        kind -> Text,
        amount_rials -> Int8,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    required_document_kinds (request_kind, document_kind) {
        request_kind -> Text,
        document_kind -> Text,
    }
}

diesel::table! {
    distributors (id) {
        id -> Uuid,
        name -> Text,
        kind -> Text,
        national_id -> Text,
        manager_mobile -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    branches (id) {
        id -> Uuid,
        distributor_id -> Uuid,
        name -> Text,
        is_central -> Bool,
        province_id -> Int4,
        city_id -> Int4,
        address -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        user_code -> Text,
        password_hash -> Text,
        role -> Text,
        display_name -> Text,
        university_id -> Nullable<Int4>,
        distributor_id -> Nullable<Uuid>,
        active -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        family_id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        spent_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        client_addr -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Int4,
        window_started_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    events (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        actor_user_id -> Nullable<Uuid>,
        actor_role -> Nullable<Text>,
        entity_type -> Text,
        entity_id -> Text,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        note -> Nullable<Text>,
        data -> Jsonb,
        officer_id -> Nullable<Uuid>,
        university_id -> Nullable<Int4>,
        distributor_id -> Nullable<Uuid>,
        audience -> Nullable<Jsonb>,
    }
}

diesel::joinable!(cities -> provinces (province_id));
diesel::joinable!(universities -> provinces (province_id));
diesel::joinable!(branches -> distributors (distributor_id));
diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    officers (id) {
        id -> Uuid,
        user_id -> Uuid,
        national_code -> Text,
        birth_date -> Date,
        first_name -> Text,
        last_name -> Text,
        father_name -> Nullable<Text>,
        gender -> Nullable<Text>,
        birth_certificate_number -> Nullable<Text>,
        phone -> Nullable<Text>,
        mobile -> Text,
        email -> Nullable<Text>,
        postal_address -> Nullable<Text>,
        province_id -> Nullable<Int4>,
        city_id -> Nullable<Int4>,
        field_of_study_id -> Nullable<Int4>,
        degree_level -> Nullable<Text>,
        qualification_status -> Text,
        qualified_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    qualification_requests (id) {
        id -> Uuid,
        officer_id -> Uuid,
        kind -> Text,
        status -> Text,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        father_name -> Nullable<Text>,
        gender -> Nullable<Text>,
        birth_certificate_number -> Nullable<Text>,
        phone -> Nullable<Text>,
        mobile -> Nullable<Text>,
        email -> Nullable<Text>,
        postal_address -> Nullable<Text>,
        province_id -> Nullable<Int4>,
        city_id -> Nullable<Int4>,
        field_of_study_id -> Nullable<Int4>,
        degree_level -> Nullable<Text>,
        university_id -> Nullable<Int4>,
        assigned_reviewer_id -> Nullable<Uuid>,
        fee_rials -> Nullable<Int8>,
        rejection_reason -> Nullable<Text>,
        submitted_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        waiting_since -> Nullable<Timestamptz>,
        reviewed_at -> Nullable<Timestamptz>,
        review_seconds -> Nullable<Float8>,
    }
}

diesel::table! {
    documents (id) {
        id -> Uuid,
        request_id -> Uuid,
        officer_id -> Uuid,
        kind -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> Int8,
        sha256 -> Text,
        storage_key -> Text,
        uploaded_by -> Uuid,
        current_for_officer -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    deficiencies (id) {
        id -> Uuid,
        request_id -> Uuid,
        round -> Int4,
        field -> Nullable<Text>,
        document_kind -> Nullable<Text>,
        description -> Text,
        resolved -> Bool,
        reported_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(officers -> users (user_id));
diesel::joinable!(qualification_requests -> officers (officer_id));
diesel::joinable!(documents -> qualification_requests (request_id));
diesel::joinable!(deficiencies -> qualification_requests (request_id));

diesel::allow_tables_to_appear_in_same_query!(
    provinces,
    cities,
    universities,
    university_coverage,
    fields_of_study,
    degree_levels,
    review_fees,
    required_document_kinds,
    distributors,
    branches,
    users,
    sessions,
    login_throttle,
    events,
    officers,
    qualification_requests,
    documents,
    deficiencies,
    payments,
    sms_outbox,
    cooperation_requests,
    contracts,
    termination_requests,
    messages,
    message_recipients,
    message_attachments,
    recent_writes,
);

diesel::table! {
    recent_writes (user_id) {
        user_id -> Uuid,
        written_at -> Timestamptz,
    }
}

diesel::joinable!(recent_writes -> users (user_id));

diesel::table! {
    payments (id) {
        id -> Uuid,
        request_id -> Uuid,
        officer_id -> Uuid,
        amount_rials -> Int8,
        status -> Text,
        gateway -> Text,
        authority -> Nullable<Text>,
        reference_id -> Nullable<Text>,
        card_pan -> Nullable<Text>,
        failure_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        expires_at -> Timestamptz,
        paid_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(payments -> qualification_requests (request_id));

diesel::table! {
    sms_outbox (id) {
        id -> Int8,
        receptor -> Text,
        message -> Text,
        purpose -> Text,
        entity_type -> Nullable<Text>,
        entity_id -> Nullable<Text>,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        provider_message_id -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    cooperation_requests (id) {
        id -> Uuid,
        branch_id -> Uuid,
        distributor_id -> Uuid,
        officer_id -> Uuid,
        status -> Text,
        university_id -> Nullable<Int4>,
        decline_reason -> Nullable<Text>,
        rejection_note -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    contracts (id) {
        id -> Uuid,
        officer_id -> Uuid,
        branch_id -> Uuid,
        distributor_id -> Uuid,
        cooperation_request_id -> Nullable<Uuid>,
        university_id -> Nullable<Int4>,
        status -> Text,
        started_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
        end_reason -> Nullable<Text>,
        ended_by -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(cooperation_requests -> branches (branch_id));
diesel::joinable!(contracts -> branches (branch_id));

diesel::table! {
    termination_requests (id) {
        id -> Uuid,
        contract_id -> Uuid,
        officer_id -> Uuid,
        distributor_id -> Uuid,
        branch_id -> Uuid,
        status -> Text,
        reason -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        finalized_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    messages (id) {
        id -> Uuid,
        subject -> Text,
        body -> Text,
        priority -> Text,
        must_acknowledge -> Bool,
        audience -> Jsonb,
        sent_by -> Uuid,
        sent_at -> Timestamptz,
        recipients_count -> Int4,
    }
}

diesel::table! {
    message_recipients (message_id, officer_id) {
        message_id -> Uuid,
        officer_id -> Uuid,
        sent_at -> Timestamptz,
        read_at -> Nullable<Timestamptz>,
        acknowledged_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    message_attachments (id) {
        id -> Uuid,
        message_id -> Uuid,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> Int8,
        sha256 -> Text,
        storage_key -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(message_recipients -> messages (message_id));
diesel::joinable!(message_recipients -> officers (officer_id));
diesel::joinable!(message_attachments -> messages (message_id));

diesel::table! {
    legacy_officers (officer_id) {
        officer_id -> Uuid,
        national_code -> Text,
        user_id -> Uuid,
        imported -> Jsonb,
        imported_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    legacy_distributors (legacy_id) {
        legacy_id -> Text,
        distributor_id -> Uuid,
        user_id -> Uuid,
        imported -> Jsonb,
        imported_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    legacy_assignments (officer_id) {
        officer_id -> Uuid,
        distributor_id -> Uuid,
        contract_id -> Uuid,
        started_at -> Timestamptz,
        imported_at -> Timestamptz,
    }
}

diesel::joinable!(legacy_officers -> officers (officer_id));
diesel::joinable!(legacy_distributors -> distributors (distributor_id));
diesel::joinable!(legacy_assignments -> contracts (contract_id));
