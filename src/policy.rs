//! Who may see or act on what: every rule in one place, with no I/O.
//!
//! Two tables:
//! - [`OPERATIONS`]: which callers may run each root field of the schema at all (anyone,
//!   any signed-in user, or some roles). Any other role gets `FORBIDDEN`.
//! - [`access`]: how much of an object a role sees, given how the caller stands to the
//!   object ([`Relation`], worked out from the object's [`Parties`] by [`relation`]).
//!   Whatever a caller may not see is `NOT_FOUND`, exactly as a missing object.
//!
//! Lists and replays ask [`scope`] which rows a caller may read, so that the store filters
//! them the same way. What may be done to an object once seen is the state machines' part
//! (`domain::qualification::transition` and the others).

use uuid::Uuid;

use crate::domain::cooperation::CooperationParty;
use crate::domain::qualification::{Assignee, Party};
use crate::domain::{Caller, Parties, Role};

/// The kinds of object the rules are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    /// A qualification or amendment request.
    QualificationRequest,
    /// An officer's profile.
    Officer,
    /// A document of a request (and of the officer's file).
    Document,
    /// A payment attempt of a request's fee.
    Payment,
    /// An event announced on `cartableEvents`.
    CartableNotice,
    /// A distributor's proposal of an officer for a branch.
    CooperationRequest,
    /// A working relationship of an officer with a branch.
    Contract,
    /// An officer's termination of a contract.
    TerminationRequest,
    /// A message of the directorate to officers.
    Message,
    /// The dashboards' figures of a scope (the registry, a university).
    Statistics,
}

/// Every kind of object, for tables and tests.
#[cfg(test)]
pub const OBJECTS: [Object; 10] = [
    Object::QualificationRequest,
    Object::Officer,
    Object::Document,
    Object::Payment,
    Object::CartableNotice,
    Object::CooperationRequest,
    Object::Contract,
    Object::TerminationRequest,
    Object::Message,
    Object::Statistics,
];

/// How the caller stands to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// An officer, and the object is the officer's own (request, profile, message, ...).
    Owner,
    /// A reviewer of the university the object was routed to.
    University,
    /// A distributor's account, and the object involves that distributor.
    Distributor,
    /// None of the above.
    Stranger,
}

/// Every relation, for tables and tests.
#[cfg(test)]
pub const RELATIONS: [Relation; 4] = [
    Relation::Owner,
    Relation::University,
    Relation::Distributor,
    Relation::Stranger,
];

/// How much of an object a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Nothing: the object does not exist for the caller (`NOT_FOUND`).
    Hidden,
    /// What a branch needs to know of an officer: names, national code, education and
    /// qualification; no contact details, no documents.
    Limited,
    /// Everything.
    Full,
}

/// The table: what `role` sees of an `object` it stands to in `relation`.
pub fn access(role: Role, object: Object, relation: Relation) -> Access {
    use Access::{Full, Hidden, Limited};
    use Object as O;
    use Relation as R;
    match (role, relation) {
        (Role::DirectorateAdmin, _) => Full,
        (Role::Officer, R::Owner) => match object {
            O::Statistics => Hidden,
            _ => Full,
        },
        (Role::UniversityReviewer, R::University) => match object {
            O::TerminationRequest | O::Message => Hidden,
            _ => Full,
        },
        (Role::Distributor, R::Distributor) => match object {
            O::Officer => Limited,
            O::CartableNotice | O::CooperationRequest | O::Contract | O::TerminationRequest => Full,
            O::QualificationRequest | O::Document | O::Payment | O::Message | O::Statistics => {
                Hidden
            }
        },
        _ => Hidden,
    }
}

/// How `caller` stands to an object with these parties.
pub fn relation(caller: &Caller, parties: &Parties) -> Relation {
    fn same<T: PartialEq>(mine: Option<T>, theirs: Option<T>) -> bool {
        mine.is_some() && mine == theirs
    }
    match caller.role {
        Role::Officer if same(caller.officer_id, parties.officer) => Relation::Owner,
        Role::UniversityReviewer if same(caller.university_id, parties.university) => {
            Relation::University
        }
        Role::Distributor if same(caller.distributor_id, parties.distributor) => {
            Relation::Distributor
        }
        _ => Relation::Stranger,
    }
}

/// What `caller` sees of an `object` with these parties.
pub fn access_to(caller: &Caller, object: Object, parties: &Parties) -> Access {
    access(caller.role, object, relation(caller, parties))
}

/// Whether `caller` sees an `object` with these parties at all.
pub fn sees(caller: &Caller, object: Object, parties: &Parties) -> bool {
    access_to(caller, object, parties) > Access::Hidden
}

/// Which rows of a kind of object a caller may read in lists and replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every row.
    All,
    /// The rows of this officer.
    Officer(Uuid),
    /// The rows routed to this university.
    University(i32),
    /// The rows involving this distributor.
    Distributor(Uuid),
    /// None.
    Nothing,
}

/// The rows of `object` that `caller` may read: the parties through which the table of
/// [`access`] lets the caller's role see the object.
pub fn scope(caller: &Caller, object: Object) -> Scope {
    let (relation, scope) = match (caller.role, caller.officer_id, caller.university_id) {
        (Role::DirectorateAdmin, _, _) => return Scope::All,
        (Role::Officer, Some(o), _) => (Relation::Owner, Scope::Officer(o)),
        (Role::UniversityReviewer, _, Some(u)) => (Relation::University, Scope::University(u)),
        (Role::Distributor, _, _) => match caller.distributor_id {
            Some(d) => (Relation::Distributor, Scope::Distributor(d)),
            None => return Scope::Nothing,
        },
        _ => return Scope::Nothing,
    };
    if access(caller.role, object, relation) > Access::Hidden {
        scope
    } else {
        Scope::Nothing
    }
}

/// Who a caller is to a qualification request's state machine (having seen it): its
/// officer, a reviewer (the one it is assigned to, or not), or directorate staff.
pub fn qualification_party(caller: &Caller, assigned_reviewer: Option<Uuid>) -> Party {
    match caller.role {
        Role::Officer => Party::Officer,
        Role::UniversityReviewer => Party::Reviewer(match assigned_reviewer {
            None => Assignee::Nobody,
            Some(id) if id == caller.user_id => Assignee::Me,
            Some(_) => Assignee::Other,
        }),
        Role::DirectorateAdmin | Role::Distributor => Party::Admin,
    }
}

/// Who a caller is to a cooperation request's state machine (having seen it).
pub fn cooperation_party(caller: &Caller) -> CooperationParty {
    match caller.role {
        Role::Officer => CooperationParty::Officer,
        Role::Distributor => CooperationParty::Distributor,
        Role::UniversityReviewer => CooperationParty::Reviewer,
        Role::DirectorateAdmin => CooperationParty::Admin,
    }
}

/// Who may run a root field of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callers {
    /// Anyone, signed in or not.
    Anyone,
    /// Any signed-in user (each sees only what [`access`] allows).
    SignedIn,
    /// Only these roles; any other gets `FORBIDDEN`.
    Roles(&'static [Role]),
}

const OFFICER: Callers = Callers::Roles(&[Role::Officer]);
const REVIEWER: Callers = Callers::Roles(&[Role::UniversityReviewer]);
const ADMIN: Callers = Callers::Roles(&[Role::DirectorateAdmin]);
const DISTRIBUTOR: Callers = Callers::Roles(&[Role::Distributor]);

/// Every root field of the schema (queries, mutations, subscriptions) and who may run it.
/// A test checks that the schema and this list name the same fields.
pub const OPERATIONS: &[(&str, Callers)] = &[
    // Queries
    ("me", Callers::SignedIn),
    ("provinces", Callers::Anyone),
    ("fieldsOfStudy", Callers::Anyone),
    ("officer", Callers::SignedIn),
    ("qualificationRequest", Callers::SignedIn),
    ("myQualificationRequests", OFFICER),
    ("reviewQueue", REVIEWER),
    ("payment", Callers::SignedIn),
    ("cooperationRequests", Callers::SignedIn),
    ("cooperationRequest", Callers::SignedIn),
    ("contract", Callers::SignedIn),
    (
        "terminationRequests",
        Callers::Roles(&[Role::Officer, Role::Distributor, Role::DirectorateAdmin]),
    ),
    (
        "terminationRequest",
        Callers::Roles(&[Role::Officer, Role::Distributor, Role::DirectorateAdmin]),
    ),
    ("smsOutbox", ADMIN),
    (
        "messages",
        Callers::Roles(&[Role::Officer, Role::DirectorateAdmin]),
    ),
    (
        "message",
        Callers::Roles(&[Role::Officer, Role::DirectorateAdmin]),
    ),
    ("messageRecipients", ADMIN),
    ("contracts", Callers::SignedIn),
    (
        "branches",
        Callers::Roles(&[Role::Distributor, Role::DirectorateAdmin]),
    ),
    ("verifyOfficer", Callers::Anyone),
    (
        "registryStatistics",
        Callers::Roles(&[Role::UniversityReviewer, Role::DirectorateAdmin]),
    ),
    // Mutations
    ("registerOfficer", Callers::Anyone),
    ("login", Callers::Anyone),
    ("refreshSession", Callers::Anyone),
    ("logout", Callers::Anyone),
    ("updateGeneralInfo", OFFICER),
    ("startQualificationRequest", OFFICER),
    ("updateQualificationRequest", OFFICER),
    ("attachDocument", OFFICER),
    ("removeDocument", OFFICER),
    ("submitQualificationRequest", OFFICER),
    ("resubmitQualificationRequest", OFFICER),
    ("cancelQualificationRequest", OFFICER),
    ("claimQualificationRequest", REVIEWER),
    ("reportDeficiencies", REVIEWER),
    ("approveQualificationRequest", REVIEWER),
    ("rejectQualificationRequest", REVIEWER),
    ("startPayment", OFFICER),
    ("createBranch", DISTRIBUTOR),
    ("proposeTechnicalOfficer", DISTRIBUTOR),
    ("withdrawCooperationRequest", DISTRIBUTOR),
    ("acceptCooperationRequest", OFFICER),
    ("declineCooperationRequest", OFFICER),
    ("approveCooperationRequest", REVIEWER),
    ("rejectCooperationRequest", REVIEWER),
    ("releaseTechnicalOfficer", DISTRIBUTOR),
    ("requestTermination", OFFICER),
    ("finalizeTermination", OFFICER),
    ("cancelTerminationRequest", OFFICER),
    ("sendMessage", ADMIN),
    ("markMessageRead", OFFICER),
    ("acknowledgeMessage", OFFICER),
    ("createStaffAccount", ADMIN),
    ("createDistributor", ADMIN),
    ("setAccountActive", ADMIN),
    ("setFieldOfStudyEligibility", ADMIN),
    ("setReviewFee", ADMIN),
    // Subscriptions
    ("cartableEvents", Callers::SignedIn),
];

/// Who may run the root field `operation`; `None` for a name the list lacks (refused).
pub fn callers(operation: &str) -> Option<Callers> {
    OPERATIONS
        .iter()
        .find(|(name, _)| *name == operation)
        .map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Access::{Full, Hidden, Limited};
    use Object as O;
    use Relation as R;

    const ROLES: [Role; 4] = [
        Role::Officer,
        Role::Distributor,
        Role::UniversityReviewer,
        Role::DirectorateAdmin,
    ];

    /// The whole table: every (role, relation, object) that is not Hidden, and how much.
    fn visible() -> Vec<(Role, R, O, Access)> {
        let mut v = Vec::new();
        for object in OBJECTS {
            for relation in RELATIONS {
                v.push((Role::DirectorateAdmin, relation, object, Full));
            }
            if object != O::Statistics {
                v.push((Role::Officer, R::Owner, object, Full));
            }
        }
        for object in [
            O::QualificationRequest,
            O::Officer,
            O::Document,
            O::Payment,
            O::CartableNotice,
            O::CooperationRequest,
            O::Contract,
            O::Statistics,
        ] {
            v.push((Role::UniversityReviewer, R::University, object, Full));
        }
        v.push((Role::Distributor, R::Distributor, O::Officer, Limited));
        for object in [
            O::CartableNotice,
            O::CooperationRequest,
            O::Contract,
            O::TerminationRequest,
        ] {
            v.push((Role::Distributor, R::Distributor, object, Full));
        }
        v
    }

    #[test]
    fn the_full_table_role_by_relation_by_object() {
        let visible = visible();
        let mut checked = 0;
        for role in ROLES {
            for relation in RELATIONS {
                for object in OBJECTS {
                    let expected = visible
                        .iter()
                        .find(|(r, rel, o, _)| *r == role && *rel == relation && *o == object)
                        .map_or(Hidden, |t| t.3);
                    assert_eq!(
                        access(role, object, relation),
                        expected,
                        "{role:?} {relation:?} {object:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 4 * 4 * 10);
    }

    fn caller(role: Role) -> Caller {
        Caller {
            user_id: Uuid::from_u128(1),
            role,
            session: Uuid::from_u128(2),
            officer_id: (role == Role::Officer).then(|| Uuid::from_u128(10)),
            university_id: (role == Role::UniversityReviewer).then_some(281),
            distributor_id: (role == Role::Distributor).then(|| Uuid::from_u128(20)),
            province_id: None,
        }
    }

    #[test]
    fn relations_come_from_the_parties() {
        let mine = Parties {
            officer: Some(Uuid::from_u128(10)),
            university: Some(281),
            distributor: Some(Uuid::from_u128(20)),
        };
        let theirs = Parties {
            officer: Some(Uuid::from_u128(11)),
            university: Some(101),
            distributor: Some(Uuid::from_u128(21)),
        };
        assert_eq!(relation(&caller(Role::Officer), &mine), R::Owner);
        assert_eq!(
            relation(&caller(Role::UniversityReviewer), &mine),
            R::University
        );
        assert_eq!(relation(&caller(Role::Distributor), &mine), R::Distributor);
        assert_eq!(
            relation(&caller(Role::DirectorateAdmin), &mine),
            R::Stranger
        );
        for role in ROLES {
            assert_eq!(relation(&caller(role), &theirs), R::Stranger, "{role:?}");
            assert_eq!(
                relation(&caller(role), &Parties::default()),
                R::Stranger,
                "no parties: {role:?}"
            );
        }
        // An account without its link (an officer account with no officer) is nobody's.
        let mut orphan = caller(Role::Officer);
        orphan.officer_id = None;
        assert_eq!(
            relation(&orphan, &Parties::default()),
            R::Stranger,
            "None == None is no relation"
        );
    }

    #[test]
    fn scopes_follow_the_table() {
        assert_eq!(
            scope(&caller(Role::DirectorateAdmin), O::Message),
            Scope::All
        );
        assert_eq!(
            scope(&caller(Role::Officer), O::QualificationRequest),
            Scope::Officer(Uuid::from_u128(10))
        );
        assert_eq!(
            scope(&caller(Role::UniversityReviewer), O::QualificationRequest),
            Scope::University(281)
        );
        assert_eq!(
            scope(&caller(Role::UniversityReviewer), O::TerminationRequest),
            Scope::Nothing
        );
        assert_eq!(
            scope(&caller(Role::Distributor), O::CartableNotice),
            Scope::Distributor(Uuid::from_u128(20))
        );
        assert_eq!(
            scope(&caller(Role::Distributor), O::QualificationRequest),
            Scope::Nothing
        );
        assert_eq!(
            scope(&caller(Role::UniversityReviewer), O::Statistics),
            Scope::University(281)
        );
        assert_eq!(scope(&caller(Role::Officer), O::Statistics), Scope::Nothing);
        assert_eq!(
            scope(&caller(Role::Distributor), O::Statistics),
            Scope::Nothing
        );
    }

    #[test]
    fn operations_are_listed_once() {
        for (i, (name, _)) in OPERATIONS.iter().enumerate() {
            assert!(
                OPERATIONS[i + 1..].iter().all(|(other, _)| other != name),
                "{name} twice"
            );
        }
        assert_eq!(callers("startPayment"), Some(OFFICER));
        assert_eq!(callers("noSuchField"), None);
    }
}
