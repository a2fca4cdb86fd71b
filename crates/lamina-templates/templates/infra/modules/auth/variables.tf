variable "create" {
  description = "Controls whether resources should be created."
  type        = bool
  default     = true
}

variable "region" {
  description = "Region of the resources (for ARNs and service names)."
  type        = string
}

variable "tags" {
  description = "A map of tags to assign to all resources."
  type        = map(string)
  default     = {}
}

################################################################################
# User pool
################################################################################

variable "name" {
  description = "Name of the user pool (\"<project>-<stage>\")."
  type        = string
  default     = ""
}

variable "deletion_protection" {
  description = "Whether the user pool refuses deletion (protected stages)."
  type        = bool
  default     = false
}

variable "password_minimum_length" {
  description = "Minimum password length."
  type        = number
  default     = 12
}

variable "mfa_configuration" {
  description = "MFA setting of the pool: OFF, ON or OPTIONAL (TOTP)."
  type        = string
  default     = "OPTIONAL"
}

variable "allow_admin_create_user_only" {
  description = "Whether only administrators may create users (no self sign-up)."
  type        = bool
  default     = false
}

variable "groups" {
  description = "Names of the user groups."
  type        = list(string)
  default     = []
}

################################################################################
# Resource server
################################################################################

variable "resource_server_identifier" {
  description = "Identifier of the resource server (the project name); null uses name."
  type        = string
  default     = null
}

variable "scopes" {
  description = "Map of scope short name to description."
  type        = map(string)
  default     = {}
}

################################################################################
# App client
################################################################################

variable "oidc_scopes" {
  description = "OpenID scopes the SPA client may request besides the resource server's."
  type        = list(string)
  default     = ["openid", "email", "profile"]
}

variable "callback_urls" {
  description = "Allowed redirect URLs after sign-in."
  type        = list(string)
  default     = []
}

variable "logout_urls" {
  description = "Allowed redirect URLs after sign-out."
  type        = list(string)
  default     = []
}

variable "access_token_minutes" {
  description = "Access token validity in minutes."
  type        = number
  default     = 60
}

variable "id_token_minutes" {
  description = "ID token validity in minutes."
  type        = number
  default     = 60
}

variable "refresh_token_days" {
  description = "Refresh token validity in days."
  type        = number
  default     = 30
}

variable "refresh_token_rotation" {
  description = "Whether every refresh issues a new refresh token and invalidates the old one."
  type        = bool
  default     = true
}

variable "refresh_token_retry_grace_period_seconds" {
  description = "Seconds (0-60) a rotated-out refresh token stays valid, for client retries."
  type        = number
  default     = 10
}

################################################################################
# Domain
################################################################################

variable "create_domain" {
  description = "Controls whether the hosted UI domain should be created."
  type        = bool
  default     = true
}

variable "domain_prefix" {
  description = "Hosted UI domain prefix; null derives \"<name>-<hash>\"."
  type        = string
  default     = null
}
