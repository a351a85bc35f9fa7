//! Cooperation requests and contracts (C3, C4, R8), as pure state machines.
//!
//! ```text
//! (propose, distributor) --> PENDING_OFFICER
//! PENDING_OFFICER --accept(officer)--> PENDING_UNIVERSITY (routed like a qualification)
//! PENDING_OFFICER --decline(officer)--> DECLINED_BY_OFFICER
//! PENDING_OFFICER --withdraw(distributor)--> WITHDRAWN
//! PENDING_OFFICER --left unanswered (system)--> EXPIRED
//! PENDING_UNIVERSITY --approve(reviewer of the routed university)--> APPROVED (contract)
//! PENDING_UNIVERSITY --reject(reviewer, note)--> REJECTED_BY_UNIVERSITY
//! contract: ACTIVE --release(distributor) | termination(officer)--> ENDED
//! ```
//! Who may see a request (its officer, its distributor, the routed university, admins) is
//! the policy's; this table says who may do what to a request seen.

use super::text_enum::text_enum;

text_enum! {
    /// Where a cooperation request stands.
    #[derive(async_graphql::Enum)]
    #[graphql(name = "CooperationRequestStatus")]
    pub enum CooperationStatus {
        /// Waiting for the officer's answer.
        PendingOfficer = "PENDING_OFFICER",
        /// Accepted by the officer; waiting for the university's review.
        PendingUniversity = "PENDING_UNIVERSITY",
        /// Approved by the university: the contract is active.
        Approved = "APPROVED",
        /// Declined by the officer (closed; back to the distributor).
        DeclinedByOfficer = "DECLINED_BY_OFFICER",
        /// Rejected by the university.
        RejectedByUniversity = "REJECTED_BY_UNIVERSITY",
        /// Withdrawn by the distributor.
        Withdrawn = "WITHDRAWN",
        /// Left unanswered by the officer past its deadline (closed).
        Expired = "EXPIRED",
    }
}

impl CooperationStatus {
    /// Open requests block another proposal for the same branch.
    pub fn is_open(self) -> bool {
        matches!(self, Self::PendingOfficer | Self::PendingUniversity)
    }

    /// Persian name, for messages.
    pub fn name_fa(self) -> &'static str {
        match self {
            Self::PendingOfficer => "در انتظار پاسخ مسئول فنی",
            Self::PendingUniversity => "در انتظار بررسی دانشگاه",
            Self::Approved => "تأییدشده",
            Self::DeclinedByOfficer => "ردشده توسط مسئول فنی",
            Self::RejectedByUniversity => "ردشده توسط دانشگاه",
            Self::Withdrawn => "پس‌گرفته‌شده",
            Self::Expired => "منقضی‌شده",
        }
    }
}

text_enum! {
    /// What is done to a cooperation request (the event log's action).
    pub enum CooperationAction {
        /// The distributor proposes the officer.
        Propose = "PROPOSE",
        /// The officer accepts.
        Accept = "ACCEPT",
        /// The officer declines.
        Decline = "DECLINE",
        /// The distributor withdraws.
        Withdraw = "WITHDRAW",
        /// The reviewer approves.
        Approve = "APPROVE",
        /// The reviewer rejects.
        Reject = "REJECT",
        /// Nobody answered in time.
        Expire = "EXPIRE",
    }
}

/// Who acts on a request (having seen it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CooperationParty {
    /// The officer proposed.
    Officer,
    /// The proposing distributor.
    Distributor,
    /// A reviewer of the university the request was routed to.
    Reviewer,
    /// Directorate staff (read-only here).
    Admin,
    /// The server (expiry).
    System,
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CooperationRefusal {
    /// The party may never do this.
    Forbidden,
    /// Not in this state.
    InvalidState {
        /// English reason.
        message: String,
        /// Persian reason.
        message_fa: String,
    },
}

/// The status after `action` by `party` on a request in `from`, or why not.
pub fn transition(
    from: CooperationStatus,
    action: CooperationAction,
    party: CooperationParty,
) -> Result<CooperationStatus, CooperationRefusal> {
    use CooperationAction as A;
    use CooperationParty as P;
    use CooperationStatus as S;
    let allowed = match action {
        A::Propose | A::Withdraw => P::Distributor,
        A::Accept | A::Decline => P::Officer,
        A::Approve | A::Reject => P::Reviewer,
        A::Expire => P::System,
    };
    if party != allowed {
        return Err(CooperationRefusal::Forbidden);
    }
    match (action, from) {
        (A::Accept, S::PendingOfficer) => Ok(S::PendingUniversity),
        (A::Decline, S::PendingOfficer) => Ok(S::DeclinedByOfficer),
        (A::Withdraw, S::PendingOfficer) => Ok(S::Withdrawn),
        (A::Expire, S::PendingOfficer) => Ok(S::Expired),
        (A::Approve, S::PendingUniversity) => Ok(S::Approved),
        (A::Reject, S::PendingUniversity) => Ok(S::RejectedByUniversity),
        _ => Err(CooperationRefusal::InvalidState {
            message: format!(
                "a cooperation request in status {} cannot be {}",
                from.as_str(),
                match action {
                    A::Propose => "proposed",
                    A::Accept => "accepted",
                    A::Decline => "declined",
                    A::Withdraw => "withdrawn",
                    A::Approve => "approved",
                    A::Reject => "rejected",
                    A::Expire => "expired",
                }
            ),
            message_fa: format!(
                "این عملیات برای درخواست همکاری در وضعیت «{}» مجاز نیست",
                from.name_fa()
            ),
        }),
    }
}

text_enum! {
    /// Whether a contract runs.
    pub enum ContractStatus {
        /// The officer is the branch's technical officer.
        Active = "ACTIVE",
        /// It ended (released or terminated).
        Ended = "ENDED",
    }
}

text_enum! {
    /// How a contract ended.
    #[derive(async_graphql::Enum)]
    pub enum ContractEnd {
        /// The distributor released the officer.
        Release = "RELEASE",
        /// The officer's termination request was finalised (C1).
        Termination = "TERMINATION",
    }
}

text_enum! {
    /// What happens to a contract (the event log's action).
    pub enum ContractAction {
        /// It starts (the university approved, or it was migrated).
        Start = "START",
        /// The distributor releases the officer.
        Release = "RELEASE",
        /// The officer's termination takes effect.
        Terminate = "TERMINATE",
    }
}

/// A name for the public: the first letter of each word, the rest `*` (DESIGN §4).
pub fn masked_name(first_name: &str, last_name: &str) -> String {
    format!("{first_name} {last_name}")
        .split_whitespace()
        .map(|word| {
            // ZWNJ-joined parts of one word (محمد‌رضا) are one word.
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => {
                    let rest = chars.filter(|c| *c != '\u{200C}').count();
                    format!("{first}{}", "*".repeat(rest))
                }
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use CooperationAction as A;
    use CooperationParty as P;
    use CooperationStatus as S;

    const PARTIES: [P; 5] = [P::Officer, P::Distributor, P::Reviewer, P::Admin, P::System];

    #[test]
    fn the_full_table_state_by_action_by_party() {
        let allowed = [
            (
                S::PendingOfficer,
                A::Accept,
                P::Officer,
                S::PendingUniversity,
            ),
            (
                S::PendingOfficer,
                A::Decline,
                P::Officer,
                S::DeclinedByOfficer,
            ),
            (S::PendingOfficer, A::Withdraw, P::Distributor, S::Withdrawn),
            (S::PendingOfficer, A::Expire, P::System, S::Expired),
            (S::PendingUniversity, A::Approve, P::Reviewer, S::Approved),
            (
                S::PendingUniversity,
                A::Reject,
                P::Reviewer,
                S::RejectedByUniversity,
            ),
        ];
        let mut checked = 0;
        for from in S::VARIANTS.iter().copied() {
            for action in A::VARIANTS.iter().copied() {
                for party in PARTIES {
                    let got = transition(from, action, party);
                    match allowed
                        .iter()
                        .find(|(f, a, p, _)| *f == from && *a == action && *p == party)
                    {
                        Some(t) => assert_eq!(got, Ok(t.3), "{from:?} {action:?} {party:?}"),
                        None => assert!(got.is_err(), "{from:?} {action:?} {party:?}"),
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 7 * 7 * 5);
        // A role that may never act is forbidden whatever the state; the right role in the
        // wrong state is an invalid state.
        assert_eq!(
            transition(S::PendingOfficer, A::Approve, P::Officer),
            Err(CooperationRefusal::Forbidden)
        );
        assert!(matches!(
            transition(S::Approved, A::Accept, P::Officer),
            Err(CooperationRefusal::InvalidState { .. })
        ));
        assert!(matches!(
            transition(S::Withdrawn, A::Accept, P::Officer),
            Err(CooperationRefusal::InvalidState { .. })
        ));
    }

    #[test]
    fn open_statuses() {
        let open: Vec<_> = S::VARIANTS.iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, [&S::PendingOfficer, &S::PendingUniversity]);
    }

    #[test]
    fn names_are_masked() {
        assert_eq!(masked_name("علی", "رضایی"), "ع** ر****");
        assert_eq!(
            masked_name("محمد\u{200C}رضا", "احمدی نژاد"),
            "م****** ا**** ن***"
        );
        assert_eq!(masked_name("A", "B"), "A B");
    }
}
