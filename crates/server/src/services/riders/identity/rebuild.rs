//! The index from the rows: confirmed persons' faces into the gallery, provisional persons'
//! faces back into their clusters, and unmatched faces re-placed in the order they came.
//!
//! Clusters that have not become persons are not stored: they are the deterministic result of
//! placing the unmatched faces in id order, so placing them again gives them back (their
//! in-memory ids may differ; nothing outside this process holds them).

use std::collections::HashMap;

use roadwarden_domain::rider::MatchState;
use roadwarden_domain::RiderPersonId;
use roadwarden_gallery::{
    ClusterId, ClusterSettings, Clusterer, FaceId, Gallery, StoredFace, UnmatchedFace, DIM,
};
use roadwarden_store::riders::faces::{self, IdentityRow};
use roadwarden_store::Tx;

use super::state::IdentityIndex;
use crate::error::{AppError, AppResult};

const PAGE: i64 = 10_000;

pub(super) async fn load(tx: &mut Tx, settings: ClusterSettings) -> AppResult<IdentityIndex> {
    let mut rows = Vec::new();
    let mut after = 0;
    loop {
        let page = faces::identity_page(tx, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.face.id;
        let full = page.len() as i64 == PAGE;
        rows.extend(page);
        if !full {
            break;
        }
    }
    let mut exclusions = Vec::new();
    let mut after = 0;
    loop {
        let page = faces::exclusions_page(tx, after, PAGE).await?;
        let Some(&(last, _)) = page.last() else { break };
        // Pages end on a face; the next starts after it (a face's pairs fit in one page).
        after = last;
        let full = page.len() as i64 == PAGE;
        exclusions.extend(page);
        if !full {
            break;
        }
    }
    build(rows, &exclusions, settings)
}

/// The index from the rows (pure, for the start-up rebuild).
pub(super) fn build(
    rows: Vec<IdentityRow>,
    exclusions: &[(i64, RiderPersonId)],
    settings: ClusterSettings,
) -> AppResult<IdentityIndex> {
    let mut gallery_rows = Vec::new();
    let mut cluster_rows = Vec::new();
    let mut unmatched = Vec::new();
    for row in rows {
        let Ok(vector) = <[f32; DIM]>::try_from(row.face.values.as_slice()) else {
            tracing::warn!(
                face = row.face.id,
                "a stored face vector is not 128-d: skipped"
            );
            continue;
        };
        let face = FaceId(row.face.id);
        match (row.face.person_id, row.provisional) {
            (Some(_), _) if row.merged => {}
            (Some(person), Some(false)) => gallery_rows.push(StoredFace {
                face,
                person: Some(person),
                event: row.face.event_id,
                vector,
            }),
            (Some(person), _) => cluster_rows.push((
                ClusterId(person.0 as u64),
                UnmatchedFace {
                    face,
                    event: row.face.event_id,
                    vector,
                },
            )),
            // Only faces that found no one cluster: an unconfirmed candidate waits for its
            // officer, a library photo without a person is nobody's.
            (None, _) if row.match_state == Some(MatchState::Unmatched) => {
                unmatched.push(UnmatchedFace {
                    face,
                    event: row.face.event_id,
                    vector,
                });
            }
            (None, _) => {}
        }
    }
    let gallery = Gallery::rebuild(
        gallery_rows,
        exclusions.iter().map(|&(f, p)| (FaceId(f), p)),
    )
    .map_err(AppError::internal)?;
    let cluster_person: HashMap<ClusterId, RiderPersonId> = cluster_rows
        .iter()
        .map(|(c, _)| (*c, RiderPersonId(c.0 as i64)))
        .collect();
    let cluster_exclusions = exclusions
        .iter()
        .map(|&(f, p)| (FaceId(f), ClusterId(p.0 as u64)))
        .filter(|(_, c)| cluster_person.contains_key(c));
    let mut clusters = Clusterer::rebuild(settings, cluster_rows, cluster_exclusions)
        .map_err(AppError::internal)?;
    for face in unmatched {
        clusters.place(face).map_err(AppError::internal)?;
    }
    Ok(IdentityIndex {
        gallery,
        clusters,
        cluster_person,
    })
}
