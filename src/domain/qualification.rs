//! The qualification request state machine (DESIGN §2), as a pure function.
//!
//! ```text
//! DRAFT --submit(officer)--> SUBMITTED --claim(reviewer of the routed university)--> UNDER_REVIEW
//! UNDER_REVIEW --reportDeficiencies(assigned reviewer)--> DEFICIENT
//! DEFICIENT --resubmit(officer)--> UNDER_REVIEW (same reviewer, R5)
//! UNDER_REVIEW --approve(assigned reviewer)--> AWAITING_PAYMENT (fee snapshot, R9)
//! SUBMITTED | UNDER_REVIEW --reject(reviewer, reason)--> REJECTED (R3, R7)
//! AWAITING_PAYMENT --payment verified (system)--> COMPLETED
//! DRAFT | SUBMITTED --cancel(officer)--> CANCELLED
//! DRAFT | DEFICIENT --edit(officer)--> unchanged (proposed data, documents)
//! ```
//! Visibility (an officer's own requests, a reviewer's own university) is decided before this
//! function by the store queries: an object the actor may not see is `NOT_FOUND` there.

use super::normalize::{self, FieldError};
use super::officer::{DegreeLevel, Gender};
use super::patch::Patch;
use super::text_enum::text_enum;

text_enum! {
    /// Kind of request.
    #[derive(async_graphql::Enum)]
    #[graphql(name = "QualificationRequestKind")]
    pub enum RequestKind {
        /// First qualification (S1.1); only while not qualified.
        New = "NEW",
        /// Amendment of a qualified officer's data (S1.2).
        Amendment = "AMENDMENT",
    }
}

text_enum! {
    /// Status of a request.
    #[derive(async_graphql::Enum)]
    #[graphql(name = "QualificationRequestStatus")]
    pub enum Status {
        /// Being prepared by the officer.
        Draft = "DRAFT",
        /// Sent to the university; waiting for a reviewer.
        Submitted = "SUBMITTED",
        /// Claimed by a reviewer.
        UnderReview = "UNDER_REVIEW",
        /// Sent back to the officer with deficiencies.
        Deficient = "DEFICIENT",
        /// Approved; the review fee is due.
        AwaitingPayment = "AWAITING_PAYMENT",
        /// Fee paid: the officer is qualified or the amendment applied.
        Completed = "COMPLETED",
        /// Refused by the reviewer.
        Rejected = "REJECTED",
        /// Withdrawn by the officer.
        Cancelled = "CANCELLED",
    }
}

/// The statuses of a reviewer's default cartable: files waiting on the university's side.
pub const WAITING: [Status; 3] = [Status::Submitted, Status::UnderReview, Status::Deficient];

impl Status {
    /// Persian name, for messages.
    pub fn name_fa(self) -> &'static str {
        match self {
            Self::Draft => "پیش‌نویس",
            Self::Submitted => "ارسال‌شده",
            Self::UnderReview => "در حال بررسی",
            Self::Deficient => "دارای نقص",
            Self::AwaitingPayment => "در انتظار پرداخت",
            Self::Completed => "تکمیل‌شده",
            Self::Rejected => "ردشده",
            Self::Cancelled => "لغوشده",
        }
    }
    /// Open requests block a new one and the editing of general info (S1.4).
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Completed | Self::Rejected | Self::Cancelled)
    }
}

text_enum! {
    /// Why a request was rejected.
    #[derive(async_graphql::Enum)]
    pub enum RejectionReason {
        /// The province or city is wrong (R3): the officer submits a new request.
        WrongProvince = "WRONG_PROVINCE",
        /// The field or level of study is not eligible (R4).
        IneligibleEducation = "INELIGIBLE_EDUCATION",
        /// Documents are missing or unreadable.
        IncompleteDocuments = "INCOMPLETE_DOCUMENTS",
        /// Anything else (say what in the note).
        Other = "OTHER",
    }
}

/// The proposed data of a request (E3 and E2 items), as the officer edits it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftPatch {
    /// First name (may not be cleared).
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub first_name: Patch<String>,
    /// Last name (may not be cleared).
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub last_name: Patch<String>,
    /// Field of study.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub field_of_study_id: Patch<i32>,
    /// Level of study.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub degree_level: Patch<DegreeLevel>,
    /// Province of residence.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub province_id: Patch<i32>,
    /// City of residence.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub city_id: Patch<i32>,
    /// Landline.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub phone: Patch<String>,
    /// Mobile (may not be cleared).
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub mobile: Patch<String>,
    /// E-mail.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub email: Patch<String>,
    /// Postal address.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub postal_address: Patch<String>,
    /// Father's name.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub father_name: Patch<String>,
    /// Gender.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub gender: Patch<Gender>,
    /// Birth-certificate number.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub birth_certificate_number: Patch<String>,
}

impl DraftPatch {
    /// Checks and normalises every value being set (DESIGN §4). Whether the places and the
    /// field of study exist is for the caller to check against the reference data.
    pub fn validate(self) -> Result<Self, FieldError> {
        use super::officer::person_name;
        Ok(Self {
            first_name: self
                .first_name
                .validate_required("firstName", |s| person_name("firstName", &s))?,
            last_name: self
                .last_name
                .validate_required("lastName", |s| person_name("lastName", &s))?,
            field_of_study_id: self.field_of_study_id,
            degree_level: self.degree_level,
            province_id: self.province_id,
            city_id: self.city_id,
            phone: self.phone.validate(|s| normalize::phone("phone", &s))?,
            mobile: self
                .mobile
                .validate_required("mobile", |s| normalize::mobile("mobile", &s))?,
            email: self.email.validate(|s| normalize::email("email", &s))?,
            postal_address: self
                .postal_address
                .validate(|s| normalize::required_text("postalAddress", &s, 500))?,
            father_name: self
                .father_name
                .validate(|s| person_name("fatherName", &s))?,
            gender: self.gender,
            birth_certificate_number: self
                .birth_certificate_number
                .validate(|s| normalize::birth_certificate_number("birthCertificateNumber", &s))?,
        })
    }
}

/// What is being done to a request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Officer sends the draft.
    Submit,
    /// Reviewer takes the file.
    Claim,
    /// Assigned reviewer sends it back with deficiencies.
    ReportDeficiencies,
    /// Officer sends the fixed file back.
    Resubmit,
    /// Assigned reviewer approves; the fee becomes due.
    Approve,
    /// Reviewer refuses.
    Reject,
    /// Officer withdraws.
    Cancel,
    /// The fee was paid and verified.
    CompletePayment,
    /// Officer edits the proposed data or documents.
    Edit,
}

/// Every action, for tables and tests.
pub const ALL_ACTIONS: [Action; 9] = [
    Action::Submit,
    Action::Claim,
    Action::ReportDeficiencies,
    Action::Resubmit,
    Action::Approve,
    Action::Reject,
    Action::Cancel,
    Action::CompletePayment,
    Action::Edit,
];

impl Action {
    /// Name written in the history.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "SUBMIT",
            Self::Claim => "CLAIM",
            Self::ReportDeficiencies => "REPORT_DEFICIENCIES",
            Self::Resubmit => "RESUBMIT",
            Self::Approve => "APPROVE",
            Self::Reject => "REJECT",
            Self::Cancel => "CANCEL",
            Self::CompletePayment => "COMPLETE",
            Self::Edit => "EDIT",
        }
    }
}

/// Who a reviewer is to the request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Assignee {
    /// Nobody has claimed it.
    Nobody,
    /// This reviewer.
    Me,
    /// Another reviewer.
    Other,
}

/// Who acts (having passed the visibility checks).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Party {
    /// The officer who owns the request.
    Officer,
    /// A reviewer of the university the request is routed to.
    Reviewer(Assignee),
    /// Directorate staff (read-only on requests).
    Admin,
    /// The system (payment verification).
    System,
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The actor's role may never do this.
    Forbidden,
    /// Not in this state (or not assigned to this reviewer).
    InvalidState {
        /// English reason.
        message: String,
        /// Persian reason.
        message_fa: String,
    },
}

fn invalid(action: Action, from: Status) -> Refusal {
    Refusal::InvalidState {
        message: format!(
            "a request in status {} cannot be {}",
            from.as_str(),
            match action {
                Action::Submit => "submitted",
                Action::Claim => "claimed",
                Action::ReportDeficiencies => "sent back with deficiencies",
                Action::Resubmit => "resubmitted",
                Action::Approve => "approved",
                Action::Reject => "rejected",
                Action::Cancel => "cancelled",
                Action::CompletePayment => "completed",
                Action::Edit => "edited",
            }
        ),
        message_fa: format!(
            "این عملیات برای درخواست در وضعیت «{}» مجاز نیست",
            from.name_fa()
        ),
    }
}

fn not_assigned() -> Refusal {
    Refusal::InvalidState {
        message: "the request is assigned to another reviewer".into(),
        message_fa: "این پرونده به کارشناس دیگری واگذار شده است".into(),
    }
}

fn not_claimed() -> Refusal {
    Refusal::InvalidState {
        message: "claim the request before acting on it".into(),
        message_fa: "ابتدا پرونده را برای بررسی بردارید".into(),
    }
}

/// The state after `action` by `actor` on a request in `from`, or why not.
pub fn transition(from: Status, action: Action, actor: Party) -> Result<Status, Refusal> {
    use Action as A;
    use Status as S;
    let role_ok = match action {
        A::Submit | A::Resubmit | A::Cancel | A::Edit => actor == Party::Officer,
        A::Claim | A::ReportDeficiencies | A::Approve | A::Reject => {
            matches!(actor, Party::Reviewer(_))
        }
        A::CompletePayment => actor == Party::System,
    };
    if !role_ok {
        return Err(Refusal::Forbidden);
    }
    let assignee = match actor {
        Party::Reviewer(a) => Some(a),
        _ => None,
    };
    // The assigned reviewer only (R5 keeps the same reviewer through deficiencies).
    let assigned_only = |to: Status| match assignee {
        Some(Assignee::Me) => Ok(to),
        Some(Assignee::Other) => Err(not_assigned()),
        _ => Err(not_claimed()),
    };
    match (action, from) {
        (A::Submit, S::Draft) => Ok(S::Submitted),
        (A::Claim, S::Submitted) => match assignee {
            Some(Assignee::Nobody) => Ok(S::UnderReview),
            _ => Err(not_assigned()),
        },
        (A::ReportDeficiencies, S::UnderReview) => assigned_only(S::Deficient),
        (A::Resubmit, S::Deficient) => Ok(S::UnderReview),
        (A::Approve, S::UnderReview) => assigned_only(S::AwaitingPayment),
        (A::Reject, S::Submitted) => Ok(S::Rejected),
        (A::Reject, S::UnderReview) => assigned_only(S::Rejected),
        (A::Cancel, S::Draft | S::Submitted) => Ok(S::Cancelled),
        (A::CompletePayment, S::AwaitingPayment) => Ok(S::Completed),
        (A::Edit, S::Draft | S::Deficient) => Ok(from),
        _ => Err(invalid(action, from)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Assignee as W;
    use Status as S;

    const PARTIES: [Party; 6] = [
        Party::Officer,
        Party::Reviewer(W::Nobody),
        Party::Reviewer(W::Me),
        Party::Reviewer(W::Other),
        Party::Admin,
        Party::System,
    ];

    /// The whole table: every allowed (state, action, actor) and its result. Everything not
    /// listed must be refused.
    fn allowed() -> Vec<(S, A, Party, S)> {
        let mut v = vec![
            (S::Draft, A::Submit, Party::Officer, S::Submitted),
            (
                S::Submitted,
                A::Claim,
                Party::Reviewer(W::Nobody),
                S::UnderReview,
            ),
            (
                S::UnderReview,
                A::ReportDeficiencies,
                Party::Reviewer(W::Me),
                S::Deficient,
            ),
            (S::Deficient, A::Resubmit, Party::Officer, S::UnderReview),
            (
                S::UnderReview,
                A::Approve,
                Party::Reviewer(W::Me),
                S::AwaitingPayment,
            ),
            (
                S::UnderReview,
                A::Reject,
                Party::Reviewer(W::Me),
                S::Rejected,
            ),
            (S::Draft, A::Cancel, Party::Officer, S::Cancelled),
            (S::Submitted, A::Cancel, Party::Officer, S::Cancelled),
            (
                S::AwaitingPayment,
                A::CompletePayment,
                Party::System,
                S::Completed,
            ),
            (S::Draft, A::Edit, Party::Officer, S::Draft),
            (S::Deficient, A::Edit, Party::Officer, S::Deficient),
        ];
        // Any reviewer of the university may reject an unclaimed submission (e.g. R3).
        for w in [W::Nobody, W::Me, W::Other] {
            v.push((S::Submitted, A::Reject, Party::Reviewer(w), S::Rejected));
        }
        v
    }

    #[test]
    fn the_full_table_state_by_action_by_actor() {
        let allowed = allowed();
        let mut checked = 0;
        for from in Status::VARIANTS.iter().copied() {
            for action in ALL_ACTIONS {
                for actor in PARTIES {
                    let got = transition(from, action, actor);
                    let expected = allowed
                        .iter()
                        .find(|(f, a, r, _)| *f == from && *a == action && *r == actor)
                        .map(|t| t.3);
                    match expected {
                        Some(to) => assert_eq!(got, Ok(to), "{from:?} {action:?} {actor:?}"),
                        None => assert!(
                            got.is_err(),
                            "{from:?} {action:?} {actor:?} must be refused"
                        ),
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 8 * 9 * 6);
    }

    #[test]
    fn a_role_that_may_never_act_is_forbidden_whatever_the_state() {
        for from in Status::VARIANTS.iter().copied() {
            assert_eq!(
                transition(from, A::Approve, Party::Officer),
                Err(Refusal::Forbidden)
            );
            assert_eq!(
                transition(from, A::Submit, Party::Reviewer(W::Me)),
                Err(Refusal::Forbidden)
            );
            assert_eq!(
                transition(from, A::Approve, Party::Admin),
                Err(Refusal::Forbidden)
            );
            assert_eq!(
                transition(from, A::CompletePayment, Party::Officer),
                Err(Refusal::Forbidden)
            );
        }
    }

    #[test]
    fn refusals_name_the_state_in_both_languages() {
        match transition(S::Draft, A::Approve, Party::Reviewer(W::Me)) {
            Err(Refusal::InvalidState {
                message,
                message_fa,
            }) => {
                assert!(message.contains("DRAFT"));
                assert!(message_fa.contains("پیش‌نویس"));
            }
            other => panic!("{other:?}"),
        }
        match transition(S::UnderReview, A::Approve, Party::Reviewer(W::Other)) {
            Err(Refusal::InvalidState { message, .. }) => {
                assert!(message.contains("another reviewer"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn open_statuses() {
        let open: Vec<_> = Status::VARIANTS
            .iter()
            .copied()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(
            open,
            vec![
                S::Draft,
                S::Submitted,
                S::UnderReview,
                S::Deficient,
                S::AwaitingPayment
            ]
        );
        for s in Status::VARIANTS.iter().copied() {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
