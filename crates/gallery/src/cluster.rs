//! RID-06: incremental clustering of unmatched faces into provisional persons.
//!
//! Rule: a new face joins the cluster whose **centroid** (mean of its faces) is nearest and
//! strictly closer than the threshold, among the clusters it may join: none that already holds
//! a face of the same event (two faces in one photo are two people) and none it was marked
//! "not" of. Otherwise it starts a cluster of its own. The centroid, not the nearest member,
//! because nearest-member (single linkage) lets a chain of look-alikes drift from one person
//! to another; it also costs one comparison per cluster. A cluster counts as a provisional
//! person only once it holds `min_faces` faces.

use std::collections::{BTreeMap, HashMap, HashSet};

use roadwarden_domain::RiderEventId;

use crate::kernel::l2sq_f32;
use crate::{FaceId, Vector, DIM, DLIB_THRESHOLD};

/// A cluster of unmatched faces (in-memory; the caller maps promoted clusters to persons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClusterId(pub u64);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterSettings {
    /// A face joins a cluster whose centroid is strictly closer than this (Euclidean).
    pub threshold: f32,
    /// Faces a cluster needs before it is a provisional person.
    pub min_faces: usize,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        Self {
            threshold: DLIB_THRESHOLD,
            min_faces: 3,
        }
    }
}

/// A face with no match in the gallery.
#[derive(Debug, Clone, PartialEq)]
pub struct UnmatchedFace {
    pub face: FaceId,
    /// The event (photo) it came from: two faces of one event never share a cluster.
    pub event: Option<RiderEventId>,
    pub vector: Vector,
}

/// Where a face went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    Joined {
        cluster: ClusterId,
        /// Distance to the centroid before joining.
        distance: f32,
        /// This face brought the cluster to `min_faces`: it is now a provisional person.
        became_person: bool,
    },
    Started {
        cluster: ClusterId,
    },
}

impl Placement {
    pub fn cluster(self) -> ClusterId {
        match self {
            Placement::Joined { cluster, .. } | Placement::Started { cluster } => cluster,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterError {
    AlreadyPlaced(FaceId),
    NotFinite(FaceId),
    UnknownCluster(ClusterId),
    /// The face is not in the cluster named.
    NotInCluster(FaceId, ClusterId),
    /// Two faces of one event would share a cluster.
    SameEvent(RiderEventId),
    /// A face marked "not" the other cluster would join it.
    Excluded(FaceId, ClusterId),
    /// A split must leave at least one face on each side.
    EmptySplit,
}

impl std::fmt::Display for ClusterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for ClusterError {}

#[derive(Debug, Clone)]
struct Cluster {
    members: Vec<UnmatchedFace>,
    sum: [f32; DIM],
    centroid: Vector,
}

impl Cluster {
    fn new() -> Self {
        Self {
            members: Vec::new(),
            sum: [0.0; DIM],
            centroid: [0.0; DIM],
        }
    }

    fn push(&mut self, f: UnmatchedFace) {
        for (s, x) in self.sum.iter_mut().zip(&f.vector) {
            *s += x;
        }
        self.members.push(f);
        self.recentre();
    }

    fn take(&mut self, face: FaceId) -> Option<UnmatchedFace> {
        let at = self.members.iter().position(|m| m.face == face)?;
        let f = self.members.swap_remove(at);
        // Recomputed from the members, so removals never accumulate rounding drift.
        self.sum = [0.0; DIM];
        for m in &self.members {
            for (s, x) in self.sum.iter_mut().zip(&m.vector) {
                *s += x;
            }
        }
        self.recentre();
        Some(f)
    }

    fn recentre(&mut self) {
        let n = self.members.len().max(1) as f32;
        self.centroid = self.sum.map(|s| s / n);
    }

    fn has_event(&self, event: Option<RiderEventId>) -> bool {
        event.is_some() && self.members.iter().any(|m| m.event == event)
    }
}

/// The clusters of unmatched faces.
#[derive(Debug, Clone)]
pub struct Clusterer {
    settings: ClusterSettings,
    clusters: BTreeMap<ClusterId, Cluster>,
    cluster_of: HashMap<FaceId, ClusterId>,
    excluded: HashSet<(FaceId, ClusterId)>,
    next: u64,
}

impl Clusterer {
    pub fn new(settings: ClusterSettings) -> Self {
        Self {
            settings,
            clusters: BTreeMap::new(),
            cluster_of: HashMap::new(),
            excluded: HashSet::new(),
            next: 1,
        }
    }

    /// Rebuilds from persisted assignments and exclusions (ids kept as given).
    pub fn rebuild(
        settings: ClusterSettings,
        rows: impl IntoIterator<Item = (ClusterId, UnmatchedFace)>,
        exclusions: impl IntoIterator<Item = (FaceId, ClusterId)>,
    ) -> Result<Self, ClusterError> {
        let mut c = Self::new(settings);
        c.excluded = exclusions.into_iter().collect();
        for (id, face) in rows {
            c.check_new(&face)?;
            let cluster = c.clusters.entry(id).or_insert_with(Cluster::new);
            if let Some(e) = face.event.filter(|_| cluster.has_event(face.event)) {
                return Err(ClusterError::SameEvent(e));
            }
            c.cluster_of.insert(face.face, id);
            cluster.push(face);
            c.next = c.next.max(id.0 + 1);
        }
        Ok(c)
    }

    pub fn settings(&self) -> ClusterSettings {
        self.settings
    }

    pub fn len(&self) -> usize {
        self.clusters.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
    }

    pub fn cluster_of(&self, face: FaceId) -> Option<ClusterId> {
        self.cluster_of.get(&face).copied()
    }

    /// The faces of a cluster, in the order they joined (after removals, last moved first).
    pub fn members(&self, cluster: ClusterId) -> Vec<FaceId> {
        self.clusters
            .get(&cluster)
            .map(|c| c.members.iter().map(|m| m.face).collect())
            .unwrap_or_default()
    }

    pub fn centroid(&self, cluster: ClusterId) -> Option<&Vector> {
        self.clusters.get(&cluster).map(|c| &c.centroid)
    }

    /// A cluster with at least `min_faces` faces is a provisional person.
    pub fn is_provisional_person(&self, cluster: ClusterId) -> bool {
        self.clusters
            .get(&cluster)
            .is_some_and(|c| c.members.len() >= self.settings.min_faces)
    }

    /// Every cluster that is a provisional person, by id.
    pub fn provisional_persons(&self) -> Vec<ClusterId> {
        let min = self.settings.min_faces;
        self.clusters
            .iter()
            .filter(|(_, c)| c.members.len() >= min)
            .map(|(&id, _)| id)
            .collect()
    }

    /// Places a new unmatched face (the rule at the top of this file).
    pub fn place(&mut self, face: UnmatchedFace) -> Result<Placement, ClusterError> {
        self.check_new(&face)?;
        let limit = self.settings.threshold * self.settings.threshold;
        let mut best: Option<(f32, ClusterId)> = None;
        for (&id, c) in &self.clusters {
            let d2 = l2sq_f32(&face.vector, &c.centroid);
            if d2 < limit
                && best.is_none_or(|(b, _)| d2 < b)
                && !self.excluded.contains(&(face.face, id))
                && !c.has_event(face.event)
            {
                best = Some((d2, id));
            }
        }
        let face_id = face.face;
        let placement = match best {
            Some((d2, id)) => {
                let min = self.settings.min_faces;
                let c = self.clusters.entry(id).or_insert_with(Cluster::new);
                c.push(face);
                Placement::Joined {
                    cluster: id,
                    distance: d2.max(0.0).sqrt(),
                    became_person: c.members.len() == min,
                }
            }
            None => {
                let id = self.fresh_id();
                let mut c = Cluster::new();
                c.push(face);
                self.clusters.insert(id, c);
                Placement::Started { cluster: id }
            }
        };
        self.cluster_of.insert(face_id, placement.cluster());
        Ok(placement)
    }

    /// Takes a face out (purged, or confirmed into a person's file); `None` if unknown.
    /// A cluster left empty disappears.
    pub fn remove(&mut self, face: FaceId) -> Option<UnmatchedFace> {
        let id = self.cluster_of.remove(&face)?;
        let c = self.clusters.get_mut(&id)?;
        let taken = c.take(face);
        if c.members.is_empty() {
            self.clusters.remove(&id);
        }
        taken
    }

    /// Takes a whole cluster out (e.g. once it became a person and its faces move to the
    /// gallery). Its exclusions are dropped with it.
    pub fn take_cluster(&mut self, cluster: ClusterId) -> Option<Vec<UnmatchedFace>> {
        let c = self.clusters.remove(&cluster)?;
        for m in &c.members {
            self.cluster_of.remove(&m.face);
        }
        self.excluded.retain(|&(_, id)| id != cluster);
        Some(c.members)
    }

    /// "Not this person": the face never joins that cluster again. If it was in it, it leaves
    /// and is placed anew (answered).
    pub fn exclude(
        &mut self,
        face: FaceId,
        cluster: ClusterId,
    ) -> Result<Option<Placement>, ClusterError> {
        self.excluded.insert((face, cluster));
        if self.cluster_of(face) != Some(cluster) {
            return Ok(None);
        }
        match self.remove(face) {
            Some(f) => self.place(f).map(Some),
            None => Ok(None),
        }
    }

    /// Merges `from` into `into`, refused when two faces of one event, or a face marked "not"
    /// the other cluster, would end up together.
    pub fn merge(&mut self, from: ClusterId, into: ClusterId) -> Result<(), ClusterError> {
        let a = self
            .clusters
            .get(&from)
            .ok_or(ClusterError::UnknownCluster(from))?;
        let b = self
            .clusters
            .get(&into)
            .ok_or(ClusterError::UnknownCluster(into))?;
        if from == into {
            return Ok(());
        }
        for m in &a.members {
            if let Some(e) = m.event.filter(|_| b.has_event(m.event)) {
                return Err(ClusterError::SameEvent(e));
            }
            if self.excluded.contains(&(m.face, into)) {
                return Err(ClusterError::Excluded(m.face, into));
            }
        }
        if let Some(m) = b
            .members
            .iter()
            .find(|m| self.excluded.contains(&(m.face, from)))
        {
            return Err(ClusterError::Excluded(m.face, from));
        }
        let moved = self
            .clusters
            .remove(&from)
            .map(|c| c.members)
            .unwrap_or_default();
        let target = self.clusters.entry(into).or_insert_with(Cluster::new);
        for m in moved {
            self.cluster_of.insert(m.face, into);
            target.push(m);
        }
        self.excluded = self
            .excluded
            .iter()
            .map(|&(f, c)| (f, if c == from { into } else { c }))
            .collect();
        Ok(())
    }

    /// Moves `faces` out of `cluster` into a new cluster (answered). Each side keeps at least
    /// one face.
    pub fn split(
        &mut self,
        cluster: ClusterId,
        faces: &[FaceId],
    ) -> Result<ClusterId, ClusterError> {
        let c = self
            .clusters
            .get(&cluster)
            .ok_or(ClusterError::UnknownCluster(cluster))?;
        let wanted: HashSet<FaceId> = faces.iter().copied().collect();
        if wanted.is_empty() || wanted.len() >= c.members.len() {
            return Err(ClusterError::EmptySplit);
        }
        if let Some(&f) = wanted
            .iter()
            .find(|f| self.cluster_of(**f) != Some(cluster))
        {
            return Err(ClusterError::NotInCluster(f, cluster));
        }
        let id = self.fresh_id();
        let mut fresh = Cluster::new();
        let source = self
            .clusters
            .get_mut(&cluster)
            .ok_or(ClusterError::UnknownCluster(cluster))?;
        for &f in faces {
            if let Some(m) = source.take(f) {
                fresh.push(m);
            }
        }
        for m in &fresh.members {
            self.cluster_of.insert(m.face, id);
        }
        self.clusters.insert(id, fresh);
        Ok(id)
    }

    fn fresh_id(&mut self) -> ClusterId {
        let id = ClusterId(self.next);
        self.next += 1;
        id
    }

    fn check_new(&self, face: &UnmatchedFace) -> Result<(), ClusterError> {
        if self.cluster_of.contains_key(&face.face) {
            return Err(ClusterError::AlreadyPlaced(face.face));
        }
        if !face.vector.iter().all(|x| x.is_finite()) {
            return Err(ClusterError::NotFinite(face.face));
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "cluster_tests.rs"]
mod tests;
