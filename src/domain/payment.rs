//! Payment attempts of review fees (R9), as a state machine.
//!
//! ```text
//! (start) --> PENDING --verified paid--> PAID
//! PENDING --gateway says unpaid, or cancelled--> FAILED
//! PENDING --left unpaid past its validity--> EXPIRED
//! FAILED, EXPIRED --verified paid later--> PAID
//! ```
//! Only the system moves an attempt (after asking the gateway); nothing is marked PAID before
//! the gateway verified it with the amount from our database. A payment the gateway verifies
//! is recorded whatever the attempt's state was: an attempt failed on a forged callback, or
//! expired while the officer was still at the bank, can still have been paid.

use super::text_enum::text_enum;

text_enum! {
    /// Status of a payment attempt.
    #[derive(async_graphql::Enum)]
    pub enum PaymentStatus {
        /// Sent to the gateway; not settled yet.
        Pending = "PENDING",
        /// Verified with the gateway and paid.
        Paid = "PAID",
        /// Cancelled, refused or not verified: the officer may try again.
        Failed = "FAILED",
        /// Left unpaid past its validity.
        Expired = "EXPIRED",
    }
}

text_enum! {
    /// What happens to a payment attempt (the event log's action).
    pub enum PaymentAction {
        /// The officer started the attempt.
        Start = "START",
        /// The gateway verified it as paid.
        Paid = "PAID",
        /// The gateway said it is not paid (or the officer cancelled at the gateway).
        Fail = "FAIL",
        /// It stayed unpaid past its validity.
        Expire = "EXPIRE",
    }
}

/// The status after `action` on an attempt in `from`, or `None` when the attempt is not in a
/// state that allows it (someone else settled it first).
pub fn transition(from: PaymentStatus, action: PaymentAction) -> Option<PaymentStatus> {
    use PaymentAction as A;
    use PaymentStatus as S;
    match (from, action) {
        (S::Pending | S::Failed | S::Expired, A::Paid) => Some(S::Paid),
        (S::Pending, A::Fail) => Some(S::Failed),
        (S::Pending, A::Expire) => Some(S::Expired),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_table() {
        use PaymentAction as A;
        use PaymentStatus as S;
        let allowed = [
            (S::Pending, A::Paid, S::Paid),
            (S::Failed, A::Paid, S::Paid),
            (S::Expired, A::Paid, S::Paid),
            (S::Pending, A::Fail, S::Failed),
            (S::Pending, A::Expire, S::Expired),
        ];
        for from in S::VARIANTS.iter().copied() {
            for action in A::VARIANTS.iter().copied() {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|t| t.2);
                assert_eq!(transition(from, action), expected, "{from:?} {action:?}");
            }
        }
    }
}
