//! The data a server starts with: generated from a seed, or read from JSON.

use std::path::Path;

use chrono::{DateTime, Duration as Days, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Everything a store holds. [`FakeServer::seeded`](crate::FakeServer::seeded) returns what a server
/// started with; the same JSON fed to [`FakeServerBuilder::seed_data`](crate::FakeServerBuilder::seed_data)
/// starts another server with the same data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedData {
    /// The seed the data was generated from, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The organizations, with everything in them.
    pub orgs: Vec<SeedOrg>,
}

/// An organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedOrg {
    /// 24 lowercase hex characters.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Teams in the organization.
    #[serde(default)]
    pub teams: Vec<SeedTeam>,
    /// Projects ("groups") in the organization.
    #[serde(default)]
    pub projects: Vec<SeedProject>,
    /// Pending organization invitations.
    #[serde(default)]
    pub invitations: Vec<SeedOrgInvitation>,
}

/// A team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedTeam {
    /// 24 lowercase hex characters.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedProject {
    /// 24 lowercase hex characters.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Pending project invitations.
    #[serde(default)]
    pub invitations: Vec<SeedGroupInvitation>,
}

/// A pending organization invitation, which is also a pending org user for the v2 successor operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedOrgInvitation {
    /// The invitation id.
    pub id: String,
    /// The pending user's id, addressed by `PATCH /api/atlas/v2/orgs/{orgId}/users/{userId}`.
    pub user_id: String,
    /// The invitee's email.
    pub username: String,
    /// Who sent the invitation.
    pub inviter_username: String,
    /// Organization roles.
    pub roles: Vec<String>,
    /// Teams the invitee joins.
    #[serde(default)]
    pub team_ids: Vec<String>,
    /// Project roles granted with the invitation.
    #[serde(default)]
    pub group_role_assignments: Vec<SeedGroupRoles>,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// When it lapses (30 days after it was sent).
    pub expires_at: DateTime<Utc>,
}

/// Roles in one project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedGroupRoles {
    /// The project.
    pub group_id: String,
    /// Its roles.
    pub roles: Vec<String>,
}

/// A pending project invitation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedGroupInvitation {
    /// The invitation id.
    pub id: String,
    /// The invitee's email.
    pub username: String,
    /// Who sent the invitation.
    pub inviter_username: String,
    /// Project roles.
    pub roles: Vec<String>,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// When it lapses.
    pub expires_at: DateTime<Utc>,
}

/// Why seed data was refused.
#[derive(Debug, thiserror::Error)]
pub enum SeedDataError {
    /// The file could not be read.
    #[error("cannot read seed file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The JSON does not describe seed data.
    #[error("seed data is not valid: {0}")]
    Json(#[from] serde_json::Error),
    /// An id that is not 24 lowercase hex characters, or one used twice.
    #[error("seed data id `{0}` is not 24 lowercase hex characters or is used twice")]
    BadId(String),
}

/// How long an invitation stays pending.
pub(crate) const INVITATION_LIFETIME_DAYS: i64 = 30;

const ORG_ROLES: [&str; 2] = ["ORG_MEMBER", "ORG_READ_ONLY"];
/// Project roles every flavour knows, so one seed serves Atlas and Ops Manager alike.
const GROUP_ROLES: [&str; 3] = [
    "GROUP_READ_ONLY",
    "GROUP_DATA_ACCESS_READ_ONLY",
    "GROUP_OWNER",
];

impl SeedData {
    /// Generates two organizations, each with two teams, two projects, three pending organization
    /// invitations and two pending invitations per project. The same seed gives the same data.
    pub fn generate(seed: u64) -> SeedData {
        let mut rng = StdRng::seed_from_u64(seed);
        let tag: u16 = rng.random();
        let base = Utc
            .with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
            .single()
            .unwrap_or_default();
        let sent = |rng: &mut StdRng| {
            let created = base + Days::minutes(rng.random_range(0..60 * 24 * 20));
            (created, created + Days::days(INVITATION_LIFETIME_DAYS))
        };
        let inviter = format!("owner.{tag:04x}@example.com");
        let orgs = (1..=2)
            .map(|o| {
                let teams: Vec<SeedTeam> = (1..=2)
                    .map(|t| SeedTeam {
                        id: object_id(&mut rng),
                        name: format!("team-{o}-{t}"),
                    })
                    .collect();
                let projects: Vec<SeedProject> = (1..=2)
                    .map(|p| SeedProject {
                        id: object_id(&mut rng),
                        name: format!("project-{o}-{p}"),
                        invitations: (1..=2)
                            .map(|i| {
                                let (created_at, expires_at) = sent(&mut rng);
                                SeedGroupInvitation {
                                    id: object_id(&mut rng),
                                    username: format!("member{o}{p}{i}.{tag:04x}@example.com"),
                                    inviter_username: inviter.clone(),
                                    roles: vec![
                                        GROUP_ROLES[(p + i) % GROUP_ROLES.len()].to_owned(),
                                    ],
                                    created_at,
                                    expires_at,
                                }
                            })
                            .collect(),
                    })
                    .collect();
                let invitations = (1..=3)
                    .map(|i| {
                        let (created_at, expires_at) = sent(&mut rng);
                        SeedOrgInvitation {
                            id: object_id(&mut rng),
                            user_id: object_id(&mut rng),
                            username: format!("invitee{o}{i}.{tag:04x}@example.com"),
                            inviter_username: inviter.clone(),
                            roles: vec![ORG_ROLES[i % ORG_ROLES.len()].to_owned()],
                            team_ids: if i == 1 {
                                vec![teams[0].id.clone()]
                            } else {
                                Vec::new()
                            },
                            group_role_assignments: if i == 2 {
                                vec![SeedGroupRoles {
                                    group_id: projects[0].id.clone(),
                                    roles: vec![GROUP_ROLES[0].to_owned()],
                                }]
                            } else {
                                Vec::new()
                            },
                            created_at,
                            expires_at,
                        }
                    })
                    .collect();
                SeedOrg {
                    id: object_id(&mut rng),
                    name: format!("org-{o}-{tag:04x}"),
                    teams,
                    projects,
                    invitations,
                }
            })
            .collect();
        SeedData {
            seed: Some(seed),
            orgs,
        }
    }

    /// Reads seed data from JSON (the shape [`FakeServer::seeded`](crate::FakeServer::seeded) serializes to).
    pub fn from_json(json: &str) -> Result<SeedData, SeedDataError> {
        let data: SeedData = serde_json::from_str(json)?;
        data.check()?;
        Ok(data)
    }

    /// Reads seed data from a JSON file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<SeedData, SeedDataError> {
        let path = path.as_ref();
        let json = std::fs::read_to_string(path).map_err(|source| SeedDataError::Read {
            path: path.display().to_string(),
            source,
        })?;
        SeedData::from_json(&json)
    }

    /// Every id well-formed and unique.
    pub(crate) fn check(&self) -> Result<(), SeedDataError> {
        let mut seen = std::collections::HashSet::new();
        let mut ids = Vec::new();
        for org in &self.orgs {
            ids.push(&org.id);
            ids.extend(org.teams.iter().map(|t| &t.id));
            for project in &org.projects {
                ids.push(&project.id);
                ids.extend(project.invitations.iter().map(|i| &i.id));
            }
            for invitation in &org.invitations {
                ids.push(&invitation.id);
                ids.push(&invitation.user_id);
            }
        }
        for id in ids {
            if !is_object_id(id) || !seen.insert(id) {
                return Err(SeedDataError::BadId(id.clone()));
            }
        }
        Ok(())
    }
}

/// 24 lowercase hex characters from `rng`.
pub(crate) fn object_id(rng: &mut StdRng) -> String {
    hex::encode(rng.random::<[u8; 12]>())
}

/// Whether `id` matches `^([a-f0-9]{24})$`.
pub(crate) fn is_object_id(id: &str) -> bool {
    id.len() == 24 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_data_and_another_seed_other_ids() {
        let a = SeedData::generate(42);
        assert_eq!(a, SeedData::generate(42));
        let b = SeedData::generate(43);
        assert_ne!(a.orgs[0].id, b.orgs[0].id);
        assert_eq!(a.orgs.len(), 2);
        assert_eq!(a.orgs[0].invitations.len(), 3);
        assert_eq!(a.orgs[1].projects[1].invitations.len(), 2);
        a.check().expect("generated ids are valid");
        let invitation = &a.orgs[0].invitations[0];
        assert_eq!(
            invitation.expires_at - invitation.created_at,
            Days::days(30)
        );
    }

    #[test]
    fn seed_data_round_trips_through_json_and_bad_ids_are_refused() {
        let data = SeedData::generate(7);
        let json = serde_json::to_string(&data).expect("serializes");
        assert_eq!(SeedData::from_json(&json).expect("reads back"), data);
        let mut broken = data.clone();
        broken.orgs[0].id = "XYZ".into();
        let json = serde_json::to_string(&broken).expect("serializes");
        assert!(matches!(
            SeedData::from_json(&json),
            Err(SeedDataError::BadId(id)) if id == "XYZ"
        ));
        let mut twice = data;
        twice.orgs[1].id = twice.orgs[0].id.clone();
        assert!(twice.check().is_err());
    }
}
