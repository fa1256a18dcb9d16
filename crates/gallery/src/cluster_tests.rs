use super::*;
use crate::synth::Synth;

fn face(id: i64, event: i64, vector: Vector) -> UnmatchedFace {
    UnmatchedFace {
        face: FaceId(id),
        event: Some(RiderEventId(event)),
        vector,
    }
}

struct World {
    rng: Synth,
    offset: Vector,
}

impl World {
    fn new(seed: u64) -> Self {
        let mut rng = Synth::new(seed);
        let offset = rng.near(&[0.0; DIM], 0.3);
        Self { rng, offset }
    }
    fn person(&mut self) -> Vector {
        self.rng.centre(&self.offset)
    }
    fn face_of(&mut self, p: &Vector) -> Vector {
        self.rng.face(p)
    }
}

#[test]
fn rid_06_unmatched_faces_of_one_person_gather_and_become_a_person_at_the_minimum() {
    let mut w = World::new(21);
    let (a, b) = (w.person(), w.person());
    let mut c = Clusterer::new(ClusterSettings::default());
    let first = c.place(face(1, 1, w.face_of(&a))).unwrap();
    let Placement::Started { cluster: ca } = first else {
        panic!("the first face starts a cluster: {first:?}")
    };
    assert!(!c.is_provisional_person(ca));
    let other = c.place(face(2, 2, w.face_of(&b))).unwrap().cluster();
    assert_ne!(other, ca, "a different person starts their own cluster");
    let second = c.place(face(3, 3, w.face_of(&a))).unwrap();
    assert!(
        matches!(second, Placement::Joined { cluster, became_person: false, .. } if cluster == ca)
    );
    let third = c.place(face(4, 4, w.face_of(&a))).unwrap();
    assert!(
        matches!(third, Placement::Joined { cluster, became_person: true, .. } if cluster == ca)
    );
    assert!(c.is_provisional_person(ca));
    assert_eq!(c.provisional_persons(), vec![ca]);
    let fourth = c.place(face(5, 5, w.face_of(&a))).unwrap();
    assert!(matches!(
        fourth,
        Placement::Joined {
            became_person: false,
            ..
        }
    ));
    assert_eq!(c.members(ca).len(), 4);
    assert_eq!(
        c.place(face(5, 9, a)),
        Err(ClusterError::AlreadyPlaced(FaceId(5)))
    );
}

#[test]
fn rid_06_the_minimum_number_of_faces_is_configurable() {
    let mut w = World::new(22);
    let a = w.person();
    let settings = ClusterSettings {
        min_faces: 2,
        ..ClusterSettings::default()
    };
    let mut c = Clusterer::new(settings);
    let id = c.place(face(1, 1, w.face_of(&a))).unwrap().cluster();
    assert!(matches!(
        c.place(face(2, 2, w.face_of(&a))).unwrap(),
        Placement::Joined {
            became_person: true,
            ..
        }
    ));
    assert!(c.is_provisional_person(id));
}

#[test]
fn rid_06_two_faces_of_one_photo_never_share_a_cluster() {
    let mut w = World::new(23);
    let a = w.person();
    let mut c = Clusterer::new(ClusterSettings::default());
    let x = c.place(face(1, 7, w.face_of(&a))).unwrap().cluster();
    let y = c.place(face(2, 7, w.face_of(&a))).unwrap().cluster();
    assert_ne!(x, y, "same event: the look-alike starts its own cluster");
    assert_eq!(c.merge(y, x), Err(ClusterError::SameEvent(RiderEventId(7))));
    let z = c.place(face(3, 8, w.face_of(&a))).unwrap().cluster();
    assert!(z == x || z == y);
}

#[test]
fn rid_06_a_face_marked_not_this_person_leaves_and_never_rejoins() {
    let mut w = World::new(24);
    let a = w.person();
    let mut c = Clusterer::new(ClusterSettings::default());
    let id = c.place(face(1, 1, w.face_of(&a))).unwrap().cluster();
    c.place(face(2, 2, w.face_of(&a))).unwrap();
    let v3 = w.face_of(&a);
    c.place(face(3, 3, v3)).unwrap();
    let again = c.exclude(FaceId(3), id).unwrap().unwrap();
    assert_ne!(again.cluster(), id, "re-placed elsewhere");
    assert_eq!(c.members(id).len(), 2);
    // Purged and captured again under the same face id: still never that cluster.
    c.remove(FaceId(3)).unwrap();
    assert_ne!(c.place(face(3, 3, v3)).unwrap().cluster(), id);
    assert_eq!(
        c.merge(c.cluster_of(FaceId(3)).unwrap(), id),
        Err(ClusterError::Excluded(FaceId(3), id))
    );
    // Exclusions survive a rebuild.
    let rows = [(id, face(1, 1, w.face_of(&a)))];
    let mut r = Clusterer::rebuild(ClusterSettings::default(), rows, [(FaceId(3), id)]).unwrap();
    assert_ne!(r.place(face(3, 3, v3)).unwrap().cluster(), id);
}

#[test]
fn rid_06_merge_and_split_move_faces_between_clusters() {
    let mut w = World::new(25);
    let (a, b) = (w.person(), w.person());
    let mut c = Clusterer::new(ClusterSettings::default());
    let ca = c.place(face(1, 1, w.face_of(&a))).unwrap().cluster();
    c.place(face(2, 2, w.face_of(&a))).unwrap();
    let cb = c.place(face(3, 3, w.face_of(&b))).unwrap().cluster();
    assert_ne!(ca, cb);
    c.merge(cb, ca).unwrap();
    assert_eq!(c.len(), 1);
    assert!(c.is_provisional_person(ca));
    assert_eq!(c.cluster_of(FaceId(3)), Some(ca));
    assert_eq!(c.merge(cb, ca), Err(ClusterError::UnknownCluster(cb)));
    let back = c.split(ca, &[FaceId(3)]).unwrap();
    assert_eq!(c.members(back), vec![FaceId(3)]);
    assert_eq!(c.cluster_of(FaceId(3)), Some(back));
    assert!(!c.is_provisional_person(ca));
    assert_eq!(
        c.split(ca, &[FaceId(1), FaceId(2)]),
        Err(ClusterError::EmptySplit)
    );
    assert_eq!(
        c.split(ca, &[FaceId(3)]),
        Err(ClusterError::NotInCluster(FaceId(3), ca))
    );
    // The split-off face's own next capture goes back to it, not the first cluster.
    assert_eq!(c.place(face(4, 4, w.face_of(&b))).unwrap().cluster(), back);
    let taken = c.take_cluster(back).unwrap();
    assert_eq!(taken.len(), 2);
    assert_eq!(c.cluster_of(FaceId(3)), None);
}

#[test]
fn rid_06_clustering_many_people_keeps_them_apart() {
    let mut w = World::new(26);
    let people: Vec<Vector> = (0..50).map(|_| w.person()).collect();
    let mut c = Clusterer::new(ClusterSettings::default());
    let mut id = 0;
    for round in 0..4 {
        for (p, centre) in people.iter().enumerate() {
            id += 1;
            let v = w.face_of(centre);
            let placed = c.place(face(id, id, v)).unwrap().cluster();
            let _ = (round, p);
            let first_face = FaceId(p as i64 + 1);
            assert_eq!(
                placed,
                c.cluster_of(first_face).unwrap(),
                "person {p} stays in one cluster"
            );
        }
    }
    assert_eq!(c.len(), 50);
    assert_eq!(c.provisional_persons().len(), 50);
}
