//! What the public learns by verifying a national code.

use async_graphql::SimpleObject;

use crate::domain::officer::QualificationStatus;
use crate::workflow::verification::Verification;

/// A qualified officer, as anyone may verify it: the status, the name masked, and the
/// distributors of its active contracts.
#[derive(SimpleObject)]
pub struct OfficerVerification {
    /// QUALIFIED (unqualified and unknown codes answer `null`).
    pub qualification_status: QualificationStatus,
    /// The first letter of each name, the rest `*`.
    pub masked_name: String,
    /// "Distributor name – branch name" of each active contract.
    pub active_branches: Vec<String>,
}

impl From<Verification> for OfficerVerification {
    fn from(v: Verification) -> Self {
        Self {
            qualification_status: v.qualification_status,
            masked_name: v.masked_name,
            active_branches: v.active_branches,
        }
    }
}
