//! Accounts: organisations, users, sign-in.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use chrono::{DateTime, Utc};

/// What a user may do. Customers belong to one organisation; agents and admins see all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Agent,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Agent => "agent",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "customer" => Some(Self::Customer),
            "agent" => Some(Self::Agent),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    /// Agents and admins work for the vendor and see every organisation.
    pub fn is_staff(self) -> bool {
        matches!(self, Self::Agent | Self::Admin)
    }
}

/// A customer company, e.g. a taxi service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    /// IANA time zone the organisation's people read dates in.
    pub timezone: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Set for customers, `null` for agents and admins.
    pub organization_id: Option<Uuid>,
    /// Preferred language, `uk` or `en`.
    pub locale: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct LoginResponse {
    /// Opaque bearer token for `Authorization: Bearer …`.
    pub token: String,
    pub user: User,
}

/// Sets the password of an invited account with its one-time code; answers like login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct AcceptInvitation {
    pub code: String,
    pub password: String,
}

/// `GET /me`: who the token belongs to and their organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Me {
    pub user: User,
    pub organization: Option<Organization>,
}
