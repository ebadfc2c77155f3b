//! Organization and project roles, with the flavours that accept each.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Flavour;
use crate::error::ValidationError;

macro_rules! roles {
    (
        $(#[$doc:meta])* $name:ident, $scope:literal, $accepted:ident {
            $( $(#[$vdoc:meta])* $variant:ident = $wire:literal; )+
        }
    ) => {
        $(#[$doc])*
        ///
        /// Parsing (`FromStr`) accepts only the names this crate knows, so a typo is an error; a role MongoDB
        /// added after this release can still be sent through the explicit `Other` variant, and any role a
        /// response carries decodes (unknown ones as `Other`).
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )+
            /// A role this release does not know, sent and received as written.
            Other(String),
        }

        impl $name {
            /// The variants with their wire names; which flavour accepts which comes from the table of
            /// operations (through each flavour crate), not from here.
            const TABLE: &'static [($name, &'static str)] = &[
                $( ($name::$variant, $wire), )+
            ];

            /// The name on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(s) => s,
                }
            }

            /// Whether `flavour` accepts this role (`Other` is passed through as given).
            pub fn is_available_in(&self, flavour: Flavour) -> bool {
                match self {
                    $name::Other(_) => true,
                    known => flavour.$accepted().contains(&known.as_str()),
                }
            }

            /// The names `flavour` accepts for this scope.
            pub fn names_for(flavour: Flavour) -> Vec<&'static str> {
                flavour.$accepted().to_vec()
            }

            /// Parses a known role name that `flavour` accepts; the error lists the valid names.
            pub fn parse_for(flavour: Flavour, name: &str) -> Result<Self, ValidationError> {
                match Self::TABLE.iter().find(|(_, n)| *n == name) {
                    Some((role, _)) if flavour.$accepted().contains(&name) => Ok(role.clone()),
                    _ => Err(ValidationError::UnknownRole {
                        scope: $scope,
                        flavour,
                        role: name.to_string(),
                        valid: Self::names_for(flavour).join(", "),
                    }),
                }
            }

            /// Decodes a name from a response: never fails.
            pub fn from_wire(name: &str) -> Self {
                Self::TABLE
                    .iter()
                    .find(|(_, n)| *n == name)
                    .map(|(r, _)| r.clone())
                    .unwrap_or_else(|| $name::Other(name.to_string()))
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;

            /// Any name known in some flavour; see [`Self::parse_for`] to check one flavour.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match Self::TABLE.iter().find(|(_, n)| *n == s) {
                    Some((role, _)) => Ok(role.clone()),
                    None => Err(ValidationError::UnknownRole {
                        scope: $scope,
                        flavour: Flavour::AtlasV2,
                        role: s.to_string(),
                        valid: Self::TABLE.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", "),
                    }),
                }
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = String::deserialize(deserializer)?;
                Ok(Self::from_wire(&name))
            }
        }
    };
}

roles!(
    /// A role in an organization.
    OrgRole, "organization", org_roles {
        /// `ORG_OWNER`.
        Owner = "ORG_OWNER";
        /// `ORG_MEMBER`.
        Member = "ORG_MEMBER";
        /// `ORG_GROUP_CREATOR`: may create projects.
        GroupCreator = "ORG_GROUP_CREATOR";
        /// `ORG_BILLING_ADMIN` (Atlas only).
        BillingAdmin = "ORG_BILLING_ADMIN";
        /// `ORG_BILLING_READ_ONLY` (Atlas only).
        BillingReadOnly = "ORG_BILLING_READ_ONLY";
        /// `ORG_STREAM_PROCESSING_ADMIN` (Atlas only).
        StreamProcessingAdmin = "ORG_STREAM_PROCESSING_ADMIN";
        /// `ORG_READ_ONLY`.
        ReadOnly = "ORG_READ_ONLY";
    }
);

roles!(
    /// A role in a project (the API's "group").
    ProjectRole, "project", project_roles {
        /// `GROUP_OWNER`.
        Owner = "GROUP_OWNER";
        /// `GROUP_READ_ONLY`.
        ReadOnly = "GROUP_READ_ONLY";
        /// `GROUP_DATA_ACCESS_ADMIN`.
        DataAccessAdmin = "GROUP_DATA_ACCESS_ADMIN";
        /// `GROUP_DATA_ACCESS_READ_WRITE`.
        DataAccessReadWrite = "GROUP_DATA_ACCESS_READ_WRITE";
        /// `GROUP_DATA_ACCESS_READ_ONLY`.
        DataAccessReadOnly = "GROUP_DATA_ACCESS_READ_ONLY";
        /// `GROUP_BACKUP_MANAGER` (Atlas only).
        BackupManager = "GROUP_BACKUP_MANAGER";
        /// `GROUP_CLUSTER_MANAGER` (Atlas only).
        ClusterManager = "GROUP_CLUSTER_MANAGER";
        /// `GROUP_DATABASE_ACCESS_ADMIN` (Atlas only).
        DatabaseAccessAdmin = "GROUP_DATABASE_ACCESS_ADMIN";
        /// `GROUP_OBSERVABILITY_VIEWER` (Atlas only).
        ObservabilityViewer = "GROUP_OBSERVABILITY_VIEWER";
        /// `GROUP_SEARCH_INDEX_EDITOR` (Atlas only).
        SearchIndexEditor = "GROUP_SEARCH_INDEX_EDITOR";
        /// `GROUP_STREAM_PROCESSING_OWNER` (Atlas only).
        StreamProcessingOwner = "GROUP_STREAM_PROCESSING_OWNER";
        /// `GROUP_AUTOMATION_ADMIN` (Ops Manager only).
        AutomationAdmin = "GROUP_AUTOMATION_ADMIN";
        /// `GROUP_BACKUP_ADMIN` (Ops Manager only).
        BackupAdmin = "GROUP_BACKUP_ADMIN";
        /// `GROUP_MONITORING_ADMIN` (Ops Manager only).
        MonitoringAdmin = "GROUP_MONITORING_ADMIN";
        /// `GROUP_USER_ADMIN` (Ops Manager only).
        UserAdmin = "GROUP_USER_ADMIN";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_org_role_on_a_project_lists_the_valid_project_roles() {
        let err = ProjectRole::parse_for(Flavour::OpsManager, "ORG_OWNER").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown project role \"ORG_OWNER\" for ops-manager-v1; valid: GROUP_OWNER, GROUP_READ_ONLY, \
             GROUP_DATA_ACCESS_ADMIN, GROUP_DATA_ACCESS_READ_WRITE, GROUP_DATA_ACCESS_READ_ONLY, \
             GROUP_AUTOMATION_ADMIN, GROUP_BACKUP_ADMIN, GROUP_MONITORING_ADMIN, GROUP_USER_ADMIN"
        );
    }

    #[test]
    fn billing_roles_do_not_exist_in_ops_manager() {
        assert!(OrgRole::parse_for(Flavour::AtlasV1, "ORG_BILLING_ADMIN").is_ok());
        assert!(OrgRole::parse_for(Flavour::OpsManager, "ORG_BILLING_ADMIN").is_err());
        assert!(!OrgRole::BillingAdmin.is_available_in(Flavour::OpsManager));
        assert!(OrgRole::Other("ORG_NEW".into()).is_available_in(Flavour::OpsManager));
    }

    #[test]
    fn unknown_roles_decode_and_reencode_unchanged() {
        let roles: Vec<OrgRole> =
            serde_json::from_str(r#"["ORG_MEMBER","ORG_FROM_THE_FUTURE"]"#).unwrap();
        assert_eq!(
            roles,
            [
                OrgRole::Member,
                OrgRole::Other("ORG_FROM_THE_FUTURE".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&roles).unwrap(),
            r#"["ORG_MEMBER","ORG_FROM_THE_FUTURE"]"#
        );
        assert!(
            "ORG_FROM_THE_FUTURE".parse::<OrgRole>().is_err(),
            "parsing stays strict"
        );
    }
}
