variable "project" {
  description = "Project name: every role and resource the roles may touch starts with \"<project>-<stage>\"."
  type        = string
}

variable "region" {
  description = "AWS region of the stages."
  type        = string
}

variable "github_repository" {
  description = "The repository whose workflows may assume the roles, as \"owner/name\"."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be \"owner/name\", e.g. \"acme/rides\"."
  }
}

variable "stages" {
  description = "Stages to make roles for (in this account): a deploy role (environment <stage> on GitHub) and a read-only plan role (pull requests) each."
  type        = list(string)
}

variable "create_oidc_provider" {
  description = "Create GitHub's OIDC provider. An account has at most one per URL: set false when it exists, and give oidc_provider_arn."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "ARN of an existing GitHub OIDC provider (with create_oidc_provider = false)."
  type        = string
  default     = null
}

variable "state_bucket" {
  description = "Terraform state bucket (`lamina bootstrap`: lamina-state-<account>-<region>)."
  type        = string
}

variable "artifact_bucket" {
  description = "Artifact bucket (`lamina bootstrap`: lamina-artifacts-<account>-<region>)."
  type        = string
}

variable "manage_network" {
  description = "Let the deploy roles manage a VPC and its endpoints (needed when a domain sets vpc = true)."
  type        = bool
  default     = false
}

variable "max_session_hours" {
  description = "Longest session a workflow gets (1 to 12 hours)."
  type        = number
  default     = 1
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
  default     = {}
}
