//! Who may do what, and on which issues.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::ids::{EnterpriseId, GridId, UnitId, UserId};
use crate::rule::Rule;

/// A role a user holds. A user may hold several (a dispatcher who is also an admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 先锋岗成员: walks a grid, reports problems, verifies fixes.
    PostMember,
    /// 服务专员: visits enterprises weekly; reports and verifies like a post member.
    Commissioner,
    /// 交办人: accepts, classifies and assigns.
    Dispatcher,
    /// 承办单位成员: works the issues assigned to the unit.
    UnitMember,
    /// 承办单位负责人: like a unit member; is escalated to first.
    UnitHead,
    /// 督办: grants extensions, reopens, receives escalations.
    Supervisor,
    /// Sets up reference data.
    Admin,
    /// An enterprise contact reporting through a public channel.
    Enterprise,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Self::PostMember,
        Self::Commissioner,
        Self::Dispatcher,
        Self::UnitMember,
        Self::UnitHead,
        Self::Supervisor,
        Self::Admin,
        Self::Enterprise,
    ];
    /// The names [`Self::ALL`] goes by, in its order: what a parser accepts.
    pub const NAMES: &'static [&'static str] = &[
        "post_member",
        "commissioner",
        "dispatcher",
        "unit_member",
        "unit_head",
        "supervisor",
        "admin",
        "enterprise",
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PostMember => "post_member",
            Self::Commissioner => "commissioner",
            Self::Dispatcher => "dispatcher",
            Self::UnitMember => "unit_member",
            Self::UnitHead => "unit_head",
            Self::Supervisor => "supervisor",
            Self::Admin => "admin",
            Self::Enterprise => "enterprise",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                ParseError::new(
                    "role",
                    Rule::OneOf {
                        allowed: Self::NAMES,
                    },
                )
            })
    }
}

/// The part of an issue that decides who may see and act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub grid: GridId,
    pub enterprise: EnterpriseId,
    pub unit: Option<UnitId>,
    pub reporter: Option<UserId>,
}

/// A signed-in person acting on issues: their roles and what they are attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub roles: Vec<Role>,
    /// Grids of the user's posts (post members) or visit rounds (commissioners).
    pub grids: Vec<GridId>,
    /// Units the user belongs to (members and heads).
    pub units: Vec<UnitId>,
    /// Enterprises the user speaks for (enterprise contacts).
    pub enterprises: Vec<EnterpriseId>,
}

impl Actor {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether acting in `role` covers an issue with this scope. A post member acts on its own
    /// grid, a unit on what is assigned to it, dispatchers, supervisors and admins on everything,
    /// an enterprise contact on its own enterprise's issues.
    pub fn role_covers(&self, role: Role, scope: &Scope) -> bool {
        if !self.has_role(role) {
            return false;
        }
        match role {
            Role::PostMember | Role::Commissioner => self.grids.contains(&scope.grid),
            Role::UnitMember | Role::UnitHead => {
                scope.unit.is_some_and(|unit| self.units.contains(&unit))
            }
            Role::Dispatcher | Role::Supervisor | Role::Admin => true,
            Role::Enterprise => self.enterprises.contains(&scope.enterprise),
        }
    }

    /// Whether the actor may see the issue at all. The reporter always sees what they reported.
    pub fn can_see(&self, scope: &Scope) -> bool {
        scope.reporter == Some(self.user) || self.roles.iter().any(|&r| self.role_covers(r, scope))
    }
}
