//! Termination requests (C1, C2): the officer ends a contract.
//!
//! ```text
//! (request, officer) --> DRAFT
//! DRAFT --finalize(officer)--> FINALIZED (the contract ends; SMS to the distributor)
//! DRAFT --cancel(officer)--> CANCELLED
//! ```
//! No university or directorate approval: the officer's finalisation is the moment it takes
//! effect, and the officer bears the legal responsibility for its use ([`LEGAL_NOTICE_FA`]).

use super::text_enum::text_enum;

text_enum! {
    /// Where a termination request stands.
    #[derive(async_graphql::Enum)]
    #[graphql(name = "TerminationRequestStatus")]
    pub enum TerminationStatus {
        /// Written by the officer, not in effect yet.
        Draft = "DRAFT",
        /// Finalised: the contract has ended.
        Finalized = "FINALIZED",
        /// Withdrawn by the officer before finalising.
        Cancelled = "CANCELLED",
    }
}

text_enum! {
    /// What is done to a termination request (the event log's action).
    pub enum TerminationAction {
        /// The officer writes it.
        Request = "REQUEST",
        /// The officer finalises it.
        Finalize = "FINALIZE",
        /// The officer cancels it.
        Cancel = "CANCEL",
    }
}

/// The confirmation a front end shows before finalising (C1): the officer bears the legal
/// responsibility for using it without cause.
pub const LEGAL_NOTICE_FA: &str = "با تأیید نهایی این درخواست، همکاری شما با این واحد از همین لحظه قطع می‌شود، نام شما از اطلاعات مسئول فنی آن حذف می‌گردد و پیامک آن برای مدیریت واحد ارسال می‌شود؛ این اقدام به تأیید دانشگاه یا اداره کل نیاز ندارد. مسئولیت قانونی هرگونه استفاده نابجا یا بدون دلیل از این امکان بر عهده شخص شما است.";

/// Why a transition is refused: the state does not allow it (only the officer acts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminationRefusal {
    /// English reason.
    pub message: String,
    /// Persian reason.
    pub message_fa: String,
}

/// The status after `action` on a request in `from`, or why not.
pub fn transition(
    from: TerminationStatus,
    action: TerminationAction,
) -> Result<TerminationStatus, TerminationRefusal> {
    use TerminationAction as A;
    use TerminationStatus as S;
    match (action, from) {
        (A::Finalize, S::Draft) => Ok(S::Finalized),
        (A::Cancel, S::Draft) => Ok(S::Cancelled),
        _ => Err(TerminationRefusal {
            message: format!(
                "a termination request in status {} cannot be {}",
                from.as_str(),
                match action {
                    A::Request => "requested",
                    A::Finalize => "finalized",
                    A::Cancel => "cancelled",
                }
            ),
            message_fa: match from {
                S::Finalized => "این درخواست قطع همکاری قبلاً نهایی شده است".to_string(),
                S::Cancelled => "این درخواست قطع همکاری لغو شده است".to_string(),
                S::Draft => "این عملیات برای درخواست قطع همکاری مجاز نیست".to_string(),
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TerminationAction as A;
    use TerminationStatus as S;

    #[test]
    fn the_full_table() {
        let allowed = [
            (S::Draft, A::Finalize, S::Finalized),
            (S::Draft, A::Cancel, S::Cancelled),
        ];
        for from in S::VARIANTS.iter().copied() {
            for action in A::VARIANTS.iter().copied() {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|t| t.2);
                assert_eq!(
                    transition(from, action).ok(),
                    expected,
                    "{from:?} {action:?}"
                );
            }
        }
    }

    #[test]
    fn the_notice_says_who_bears_the_responsibility() {
        assert!(LEGAL_NOTICE_FA.contains("مسئولیت قانونی"));
    }
}
