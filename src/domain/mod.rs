//! Domain layer: roles, rules, validation and state machines. No I/O here.

mod text_enum;

pub(crate) mod caller;
pub mod cooperation;
pub(crate) mod jalali;
pub mod message;
pub(crate) mod normalize;
pub mod officer;
pub(crate) mod patch;
pub mod payment;
pub mod qualification;
pub mod sms;
pub mod statistics;
pub mod termination;

use text_enum::text_enum;
use uuid::Uuid;

pub use caller::{Actor, Caller};
pub use patch::Patch;

/// The parties of an object: the officer it belongs to, the university it was routed to,
/// the distributor it involves. Authorization ([`crate::policy`]) and the routing of
/// cartable events both read them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Parties {
    /// The officer concerned.
    pub officer: Option<Uuid>,
    /// The university the object was routed to.
    pub university: Option<i32>,
    /// The distributor concerned.
    pub distributor: Option<Uuid>,
}

text_enum! {
    /// The four roles of the system.
    #[derive(async_graphql::Enum)]
    pub enum Role {
        /// A technical officer (مسئول فنی).
        Officer = "OFFICER",
        /// A distributor's account (company or guild).
        Distributor = "DISTRIBUTOR",
        /// A reviewer (کارشناس) of one university of medical sciences.
        UniversityReviewer = "UNIVERSITY_REVIEWER",
        /// Staff of the Medical Equipment General Directorate.
        DirectorateAdmin = "DIRECTORATE_ADMIN",
    }
}

impl Role {
    /// The Persian name of the role, for messages.
    pub fn name_fa(self) -> &'static str {
        match self {
            Self::Officer => "مسئول فنی",
            Self::Distributor => "توزیع‌کننده",
            Self::UniversityReviewer => "کارشناس دانشگاه",
            Self::DirectorateAdmin => "اداره کل",
        }
    }
}

text_enum! {
    /// Kind of distributor: a company or a guild (شرکت / صنف).
    #[derive(async_graphql::Enum)]
    pub enum DistributorKind {
        /// شرکت
        Company = "COMPANY",
        /// صنف
        Guild = "GUILD",
    }
}

text_enum! {
    /// The kinds of object the event log records.
    pub enum Entity {
        /// A qualification or amendment request.
        QualificationRequest = "qualification_request",
        /// A payment attempt.
        Payment = "payment",
        /// An officer's profile.
        Officer = "officer",
        /// A user account.
        User = "user",
        /// A distributor.
        Distributor = "distributor",
        /// A field of study (reference data).
        FieldOfStudy = "field_of_study",
        /// The review-fee schedule.
        ReviewFee = "review_fee",
        /// A branch of a distributor.
        Branch = "branch",
        /// A distributor's proposal of an officer for a branch.
        CooperationRequest = "cooperation_request",
        /// An officer's working relationship with a branch.
        Contract = "contract",
        /// An officer's termination of a contract.
        TerminationRequest = "termination_request",
        /// A text message of the outbox.
        Sms = "sms",
        /// A message of the directorate to officers.
        Message = "message",
    }
}

/// Rules for a user code: 3 to 64 ASCII letters, digits, `.`, `_` or `-` (after folding
/// Persian digits).
pub fn user_code(field: &str, raw: &str) -> Result<String, normalize::FieldError> {
    let code = normalize::fold_digits(raw.trim());
    let ok = (3..=64).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(code)
    } else {
        Err(normalize::FieldError::new(
            field,
            "user code must be 3 to 64 letters, digits, '.', '_' or '-'",
            "کد کاربری باید ۳ تا ۶۴ نویسه از حروف لاتین، رقم، نقطه، زیرخط یا خط تیره باشد",
        ))
    }
}
