//! DataLoaders: each key type is loaded with one `eq_any` query per batch, so a query costs
//! the same number of SQL statements whether it returns 1 or 100 objects.

use async_graphql::dataloader::{DataLoader, Loader};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

use crate::domain::Entity;
use crate::domain::payment::PaymentStatus;
use crate::error::AppError;
use crate::graphql::db::RequestDb;
use crate::store::{
    cooperation, distributors, events, messages, officers, payments, qualification, reference,
    terminations, users,
};

/// The loader of the request; one instance serves every key type below.
pub struct StoreLoader {
    db: Arc<RequestDb>,
}

/// The request's data loader. It caches what it loaded for the rest of the request (one
/// request's rows never serve another), so a key met again at another depth of the query
/// (a province under the request, its university and its officer) costs nothing more.
pub type Loaders = DataLoader<StoreLoader, async_graphql::dataloader::HashMapCache>;

/// A new loader for one request, gathering the keys asked for within `delay` into one
/// statement per key type.
pub fn new_loaders(db: Arc<RequestDb>, delay: std::time::Duration) -> Loaders {
    DataLoader::with_cache(
        StoreLoader { db },
        tokio::spawn,
        async_graphql::dataloader::HashMapCache::default(),
    )
    .delay(delay)
}

/// Key: a province by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct ProvinceId(pub i32);
/// Key: a city by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct CityId(pub i32);
/// Key: a university by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct UniversityId(pub i32);
/// Key: the cities of a province.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct CitiesOfProvince(pub i32);
/// Key: the universities seated in a province.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct UniversitiesOfProvince(pub i32);
/// Key: a distributor by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct DistributorId(pub Uuid);
/// Key: the branches of a distributor.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct BranchesOfDistributor(pub Uuid);

/// Key: an officer by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct OfficerId(pub Uuid);
/// Key: a user account by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct UserId(pub Uuid);
/// Key: a field of study by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct FieldOfStudyId(pub i32);
/// Key: the documents of a request.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct DocumentsOfRequest(pub Uuid);
/// Key: the deficiencies of a request.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct DeficienciesOfRequest(pub Uuid);
/// Key: the latest payment attempt of a request.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct PaymentOfRequest(pub Uuid);
/// Key: the history of an object (a request, a cooperation request, ...).
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct HistoryOf(pub Entity, pub Uuid);

/// Key: the documents of an officer's file.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct CurrentDocumentsOfOfficer(pub Uuid);
/// Key: the officer of a user account.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct OfficerOfUser(pub Uuid);
/// Key: the last deficiency report (event) of a request.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct LastDeficiencyReport(pub Uuid);
/// Key: a request by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct RequestId(pub Uuid);
/// Key: a payment by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct PaymentId(pub Uuid);

/// Key: a branch by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct BranchId(pub Uuid);
/// Key: the active contract of a branch.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct ActiveContractOfBranch(pub Uuid);
/// Key: a cooperation request by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct CooperationRequestId(pub Uuid);
/// Key: a termination request by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct TerminationRequestId(pub Uuid);
/// Key: the attachments of a message.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct AttachmentsOfMessage(pub Uuid);
/// Key: the (read, acknowledged) counts of a message.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct MessageCounts(pub Uuid);
/// Key: a message by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct MessageId(pub Uuid);
/// Key: an officer's copy of a message (message, officer).
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct CopyOfMessage(pub Uuid, pub Uuid);
/// Key: a contract by id.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct ContractId(pub Uuid);

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

fn err(e: AppError) -> async_graphql::Error {
    e.into()
}

impl Loader<ProvinceId> for StoreLoader {
    type Value = reference::Province;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[ProvinceId]) -> LoadResult<ProvinceId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let rows = reference::provinces_by_ids(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|r| (ProvinceId(r.id), r)).collect())
    }
}

impl Loader<CityId> for StoreLoader {
    type Value = reference::City;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[CityId]) -> LoadResult<CityId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let rows = reference::cities_by_ids(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|r| (CityId(r.id), r)).collect())
    }
}

impl Loader<UniversityId> for StoreLoader {
    type Value = reference::University;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[UniversityId]) -> LoadResult<UniversityId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let rows = reference::universities_by_ids(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|r| (UniversityId(r.id), r)).collect())
    }
}

impl Loader<CitiesOfProvince> for StoreLoader {
    type Value = Vec<reference::City>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[CitiesOfProvince]) -> LoadResult<CitiesOfProvince, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let rows = reference::cities_of_provinces(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(group(keys, rows, |r| CitiesOfProvince(r.province_id)))
    }
}

impl Loader<UniversitiesOfProvince> for StoreLoader {
    type Value = Vec<reference::University>;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[UniversitiesOfProvince],
    ) -> LoadResult<UniversitiesOfProvince, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let rows = reference::universities_of_provinces(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(group(keys, rows, |r| UniversitiesOfProvince(r.province_id)))
    }
}

impl Loader<DistributorId> for StoreLoader {
    type Value = distributors::Distributor;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[DistributorId]) -> LoadResult<DistributorId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = distributors::by_ids(&mut conn, &ids).await.map_err(err)?;
        Ok(rows.into_iter().map(|r| (DistributorId(r.id), r)).collect())
    }
}

impl Loader<BranchesOfDistributor> for StoreLoader {
    type Value = Vec<distributors::Branch>;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[BranchesOfDistributor],
    ) -> LoadResult<BranchesOfDistributor, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = distributors::branches_of(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(group(keys, rows, |r| {
            BranchesOfDistributor(r.distributor_id)
        }))
    }
}

impl Loader<OfficerId> for StoreLoader {
    type Value = officers::Officer;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[OfficerId]) -> LoadResult<OfficerId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = officers::by_ids(&mut conn, &ids).await.map_err(err)?;
        Ok(rows.into_iter().map(|r| (OfficerId(r.id), r)).collect())
    }
}

impl Loader<UserId> for StoreLoader {
    type Value = users::User;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[UserId]) -> LoadResult<UserId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = users::by_ids(&mut conn, &ids).await.map_err(err)?;
        Ok(rows.into_iter().map(|r| (UserId(r.id), r)).collect())
    }
}

impl Loader<FieldOfStudyId> for StoreLoader {
    type Value = reference::FieldOfStudy;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[FieldOfStudyId]) -> LoadResult<FieldOfStudyId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let rows = reference::fields_by_ids(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(rows
            .into_iter()
            .map(|r| (FieldOfStudyId(r.id), r))
            .collect())
    }
}

impl Loader<DocumentsOfRequest> for StoreLoader {
    type Value = Vec<qualification::Document>;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[DocumentsOfRequest],
    ) -> LoadResult<DocumentsOfRequest, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = qualification::documents_of(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(group(keys, rows, |r| DocumentsOfRequest(r.request_id)))
    }
}

impl Loader<DeficienciesOfRequest> for StoreLoader {
    type Value = Vec<qualification::Deficiency>;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[DeficienciesOfRequest],
    ) -> LoadResult<DeficienciesOfRequest, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = qualification::deficiencies_of(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(group(keys, rows, |r| DeficienciesOfRequest(r.request_id)))
    }
}

impl Loader<HistoryOf> for StoreLoader {
    type Value = Vec<events::Event>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[HistoryOf]) -> LoadResult<HistoryOf, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let mut map: HashMap<HistoryOf, Vec<events::Event>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        // One statement per kind of object in the batch (usually one).
        let mut entities: Vec<Entity> = keys.iter().map(|k| k.0).collect();
        entities.sort();
        entities.dedup();
        for entity in entities {
            let ids: Vec<Uuid> = keys.iter().filter(|k| k.0 == entity).map(|k| k.1).collect();
            for row in events::history_of(&mut conn, entity, &ids)
                .await
                .map_err(err)?
            {
                if let Ok(id) = row.entity_id.parse() {
                    map.entry(HistoryOf(entity, id)).or_default().push(row);
                }
            }
        }
        Ok(map)
    }
}

impl Loader<PaymentOfRequest> for StoreLoader {
    type Value = payments::Payment;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[PaymentOfRequest]) -> LoadResult<PaymentOfRequest, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = payments::of_requests(&mut conn, &ids).await.map_err(err)?;
        // Newest first: keep the paid attempt if any, else the newest.
        let mut map: HashMap<PaymentOfRequest, payments::Payment> = HashMap::new();
        for row in rows {
            let key = PaymentOfRequest(row.request_id);
            match map.get(&key) {
                Some(kept)
                    if kept.status == PaymentStatus::Paid || row.status != PaymentStatus::Paid => {}
                _ => {
                    map.insert(key, row);
                }
            }
        }
        Ok(map)
    }
}

impl Loader<CurrentDocumentsOfOfficer> for StoreLoader {
    type Value = Vec<qualification::Document>;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[CurrentDocumentsOfOfficer],
    ) -> LoadResult<CurrentDocumentsOfOfficer, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = qualification::current_documents(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(group(keys, rows, |r| {
            CurrentDocumentsOfOfficer(r.officer_id)
        }))
    }
}

impl Loader<OfficerOfUser> for StoreLoader {
    type Value = officers::Officer;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[OfficerOfUser]) -> LoadResult<OfficerOfUser, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = officers::by_users(&mut conn, &ids).await.map_err(err)?;
        Ok(rows
            .into_iter()
            .map(|r| (OfficerOfUser(r.user_id), r))
            .collect())
    }
}

impl Loader<LastDeficiencyReport> for StoreLoader {
    type Value = events::Event;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[LastDeficiencyReport],
    ) -> LoadResult<LastDeficiencyReport, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = qualification::last_events(
            &mut conn,
            &ids,
            crate::domain::qualification::Action::ReportDeficiencies.as_str(),
        )
        .await
        .map_err(err)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| Some((LastDeficiencyReport(r.entity_id.parse().ok()?), r)))
            .collect())
    }
}

impl Loader<RequestId> for StoreLoader {
    type Value = qualification::Request;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[RequestId]) -> LoadResult<RequestId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = qualification::by_ids(&mut conn, &ids).await.map_err(err)?;
        Ok(rows.into_iter().map(|r| (RequestId(r.id), r)).collect())
    }
}

impl Loader<PaymentId> for StoreLoader {
    type Value = payments::Payment;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[PaymentId]) -> LoadResult<PaymentId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = payments::by_ids(&mut conn, &ids).await.map_err(err)?;
        Ok(rows.into_iter().map(|r| (PaymentId(r.id), r)).collect())
    }
}

impl Loader<BranchId> for StoreLoader {
    type Value = distributors::Branch;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[BranchId]) -> LoadResult<BranchId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = distributors::branches_by_ids(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|r| (BranchId(r.id), r)).collect())
    }
}

impl Loader<ActiveContractOfBranch> for StoreLoader {
    type Value = cooperation::Contract;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[ActiveContractOfBranch],
    ) -> LoadResult<ActiveContractOfBranch, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = cooperation::active_of_branches(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(rows
            .into_iter()
            .map(|r| (ActiveContractOfBranch(r.branch_id), r))
            .collect())
    }
}

impl Loader<CooperationRequestId> for StoreLoader {
    type Value = cooperation::CooperationRequest;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[CooperationRequestId],
    ) -> LoadResult<CooperationRequestId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = cooperation::by_ids(&mut conn, &ids).await.map_err(err)?;
        Ok(rows
            .into_iter()
            .map(|r| (CooperationRequestId(r.id), r))
            .collect())
    }
}

impl Loader<ContractId> for StoreLoader {
    type Value = cooperation::Contract;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[ContractId]) -> LoadResult<ContractId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = cooperation::contracts_by_ids(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|r| (ContractId(r.id), r)).collect())
    }
}

impl Loader<TerminationRequestId> for StoreLoader {
    type Value = terminations::TerminationRequest;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[TerminationRequestId],
    ) -> LoadResult<TerminationRequestId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = terminations::by_ids(&mut conn, &ids).await.map_err(err)?;
        Ok(rows
            .into_iter()
            .map(|r| (TerminationRequestId(r.id), r))
            .collect())
    }
}

impl Loader<AttachmentsOfMessage> for StoreLoader {
    type Value = Vec<messages::Attachment>;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[AttachmentsOfMessage],
    ) -> LoadResult<AttachmentsOfMessage, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = messages::attachments_of(&mut conn, &ids)
            .await
            .map_err(err)?;
        Ok(group(keys, rows, |r| AttachmentsOfMessage(r.message_id)))
    }
}

impl Loader<MessageCounts> for StoreLoader {
    type Value = (i64, i64);
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[MessageCounts]) -> LoadResult<MessageCounts, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let counts = messages::counts(&mut conn, &ids).await.map_err(err)?;
        Ok(counts
            .into_iter()
            .map(|(id, c)| (MessageCounts(id), c))
            .collect())
    }
}

impl Loader<MessageId> for StoreLoader {
    type Value = messages::Message;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[MessageId]) -> LoadResult<MessageId, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = messages::by_ids(&mut conn, &ids).await.map_err(err)?;
        Ok(rows.into_iter().map(|r| (MessageId(r.id), r)).collect())
    }
}

impl Loader<CopyOfMessage> for StoreLoader {
    type Value = messages::Recipient;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[CopyOfMessage]) -> LoadResult<CopyOfMessage, Self::Value> {
        let mut conn = self.db.read().await.map_err(err)?;
        let mut map = HashMap::new();
        // Keys of one request are the viewer's: usually one officer.
        let mut officers: Vec<Uuid> = keys.iter().map(|k| k.1).collect();
        officers.sort();
        officers.dedup();
        for officer in officers {
            let ids: Vec<Uuid> = keys
                .iter()
                .filter(|k| k.1 == officer)
                .map(|k| k.0)
                .collect();
            for r in messages::recipients_of(&mut conn, officer, &ids)
                .await
                .map_err(err)?
            {
                map.insert(CopyOfMessage(r.message_id, r.officer_id), r);
            }
        }
        Ok(map)
    }
}

/// Groups rows under their keys, keeping the query's order; every asked key gets a list.
fn group<K, V>(keys: &[K], rows: Vec<V>, key_of: impl Fn(&V) -> K) -> HashMap<K, Vec<V>>
where
    K: Copy + std::hash::Hash + Eq,
{
    let mut map: HashMap<K, Vec<V>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        map.entry(key_of(&row)).or_default().push(row);
    }
    map
}
