//! RID-05: the gallery of known persons' faces, with "not this person" exclusions. The
//! database keeps the vectors; this index is rebuilt from its rows on start.

use std::collections::{HashMap, HashSet};

use roadwarden_domain::{RiderEventId, RiderPersonId};

use crate::exact::FlatIndex;
use crate::quant::Int8Index;
use crate::{FaceId, Vector};

/// A persisted face row, as the store reads it back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFace {
    pub face: FaceId,
    pub person: Option<RiderPersonId>,
    pub event: Option<RiderEventId>,
    pub vector: Vector,
}

/// A face of a person near the query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GalleryMatch {
    pub face: FaceId,
    pub person: RiderPersonId,
    pub distance: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GalleryError {
    /// The face was marked "not this person": it may never join that person again.
    Excluded { face: FaceId, person: RiderPersonId },
    /// A value that is not a finite number.
    NotFinite(FaceId),
}

impl std::fmt::Display for GalleryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GalleryError::Excluded { face, person } => {
                write!(f, "face {} is marked not person {person}", face.0)
            }
            GalleryError::NotFinite(face) => write!(f, "face {} has a non-finite value", face.0),
        }
    }
}

impl std::error::Error for GalleryError {}

/// Faces of persons (base library and confirmed captures), searchable exactly or in int8.
#[derive(Debug, Clone)]
pub struct Gallery {
    index: Int8Index,
    person_of: HashMap<FaceId, RiderPersonId>,
    excluded: HashSet<(FaceId, RiderPersonId)>,
}

/// dlib descriptors stay well inside ±0.5: this scale keeps int8 codes from clipping.
const DEFAULT_SCALE: f32 = 127.0 / 0.5;

impl Default for Gallery {
    fn default() -> Self {
        Self::new()
    }
}

impl Gallery {
    pub fn new() -> Self {
        Self {
            index: Int8Index::build_with_scale(FlatIndex::new(), DEFAULT_SCALE),
            person_of: HashMap::new(),
            excluded: HashSet::new(),
        }
    }

    /// Rebuilds the index from persisted rows and exclusions. Rows without a person are
    /// unmatched faces: they belong to the [`Clusterer`](crate::Clusterer) and are skipped here;
    /// a row whose (face, person) is excluded is skipped too. The int8 scale is taken from the
    /// data.
    pub fn rebuild(
        rows: impl IntoIterator<Item = StoredFace>,
        exclusions: impl IntoIterator<Item = (FaceId, RiderPersonId)>,
    ) -> Result<Self, GalleryError> {
        let excluded: HashSet<_> = exclusions.into_iter().collect();
        let mut flat = FlatIndex::new();
        let mut person_of = HashMap::new();
        for row in rows {
            let Some(person) = row.person else { continue };
            if excluded.contains(&(row.face, person)) {
                continue;
            }
            check_finite(row.face, &row.vector)?;
            flat.insert(row.face, row.vector);
            person_of.insert(row.face, person);
        }
        let index = if flat.is_empty() {
            Int8Index::build_with_scale(flat, DEFAULT_SCALE)
        } else {
            Int8Index::build(flat)
        };
        Ok(Self {
            index,
            person_of,
            excluded,
        })
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn person_of(&self, face: FaceId) -> Option<RiderPersonId> {
        self.person_of.get(&face).copied()
    }

    /// Adds (or moves) a face to a person, unless it was marked "not this person".
    pub fn add(
        &mut self,
        face: FaceId,
        person: RiderPersonId,
        vector: Vector,
    ) -> Result<(), GalleryError> {
        if self.is_excluded(face, person) {
            return Err(GalleryError::Excluded { face, person });
        }
        check_finite(face, &vector)?;
        self.index.insert(face, vector);
        self.person_of.insert(face, person);
        Ok(())
    }

    /// Removes a face (e.g. purged, SEC-10); `false` if it was not there. Its exclusions stay.
    pub fn remove(&mut self, face: FaceId) -> bool {
        self.person_of.remove(&face);
        self.index.remove(face)
    }

    /// Forgets every exclusion of a face (when its row is purged for good).
    pub fn forget_exclusions(&mut self, face: FaceId) {
        self.excluded.retain(|&(f, _)| f != face);
    }

    /// RID-06: "not this person". The face never matches that person again; if it was filed
    /// under that person it leaves the gallery (answer `true`) for the caller to re-place.
    pub fn exclude(&mut self, face: FaceId, person: RiderPersonId) -> bool {
        self.excluded.insert((face, person));
        if self.person_of(face) == Some(person) {
            return self.remove(face);
        }
        false
    }

    pub fn is_excluded(&self, face: FaceId, person: RiderPersonId) -> bool {
        self.excluded.contains(&(face, person))
    }

    /// RID-06 merge of two files: every face of `from` moves to `into`, except those marked
    /// "not" `into`, which leave the gallery and are answered for re-placing.
    pub fn merge_persons(&mut self, from: RiderPersonId, into: RiderPersonId) -> Vec<FaceId> {
        let moving: Vec<FaceId> = self
            .person_of
            .iter()
            .filter(|&(_, &p)| p == from)
            .map(|(&f, _)| f)
            .collect();
        let mut dropped = Vec::new();
        for face in moving {
            if self.is_excluded(face, into) {
                self.remove(face);
                dropped.push(face);
            } else {
                self.person_of.insert(face, into);
            }
        }
        dropped.sort();
        dropped
    }

    /// Exact 1:N: the `k` nearest faces strictly closer than `threshold`. `query_face` is the
    /// query's own stored id, if any: persons it was marked "not" are skipped, and so is the
    /// face itself. Read through the int8 codes with bounds that keep it exact (`bounded.rs`).
    pub fn search(
        &self,
        query_face: Option<FaceId>,
        query: &Vector,
        k: usize,
        threshold: f32,
    ) -> Vec<GalleryMatch> {
        let hits = self
            .index
            .search_exact(query, k, threshold, |f| self.allowed(query_face, f));
        self.with_persons(hits)
    }

    /// As [`search`](Self::search) through the int8 codes, re-ranking `rerank` candidates.
    pub fn search_int8(
        &self,
        query_face: Option<FaceId>,
        query: &Vector,
        k: usize,
        rerank: usize,
        threshold: f32,
    ) -> Vec<GalleryMatch> {
        let hits = self
            .index
            .search_filtered(query, k, rerank, threshold, |f| self.allowed(query_face, f));
        self.with_persons(hits)
    }

    fn allowed(&self, query_face: Option<FaceId>, hit: FaceId) -> bool {
        match query_face {
            None => true,
            Some(q) if q == hit => false,
            Some(q) => self.person_of(hit).is_some_and(|p| !self.is_excluded(q, p)),
        }
    }

    fn with_persons(&self, hits: Vec<crate::Hit>) -> Vec<GalleryMatch> {
        hits.into_iter()
            .filter_map(|h| {
                self.person_of(h.face).map(|person| GalleryMatch {
                    face: h.face,
                    person,
                    distance: h.distance,
                })
            })
            .collect()
    }
}

fn check_finite(face: FaceId, v: &Vector) -> Result<(), GalleryError> {
    if v.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(GalleryError::NotFinite(face))
    }
}

#[cfg(test)]
#[path = "gallery_tests.rs"]
mod tests;
