variable "create" {
  description = "Controls whether resources should be created."
  type        = bool
  default     = true
}

variable "region" {
  description = "Region of the network (for endpoint service names)."
  type        = string
}

variable "name" {
  description = "Name prefix (\"<project>-<stage>\")."
  type        = string
  default     = ""
}

variable "tags" {
  description = "A map of tags to assign to all resources."
  type        = map(string)
  default     = {}
}

################################################################################
# Existing VPC, or a new one
################################################################################

variable "vpc_id" {
  description = "An existing VPC to attach functions to; null creates one."
  type        = string
  default     = null
}

variable "subnet_ids" {
  description = "Private subnets of the existing VPC for the functions (required with vpc_id; one per AZ is used for interface endpoints)."
  type        = list(string)
  default     = []

  validation {
    condition     = var.vpc_id == null || length(var.subnet_ids) > 0
    error_message = "An existing VPC (vpc_id) needs subnet_ids: the private subnets the functions run in."
  }
}

variable "cidr" {
  description = "CIDR block of a created VPC."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && tonumber(split("/", var.cidr)[1]) <= 24
    error_message = "cidr must be an IPv4 CIDR block of /24 or larger (each AZ gets a /(prefix+4) subnet)."
  }
}

variable "az_count" {
  description = "Availability zones (one private subnet each) of a created VPC."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 1 && var.az_count <= 6 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number from 1 to 6 (Lambda recommends at least 2)."
  }
}

################################################################################
# Endpoints: how functions reach AWS APIs without a NAT gateway
################################################################################

variable "gateway_endpoints" {
  description = "Services reached through gateway endpoints (free): s3, dynamodb."
  type        = list(string)
  default     = ["s3", "dynamodb"]

  validation {
    condition     = alltrue([for s in var.gateway_endpoints : contains(["s3", "dynamodb"], s)])
    error_message = "gateway_endpoints may only list \"s3\" and \"dynamodb\" (the only gateway endpoints AWS has)."
  }
}

variable "interface_endpoints" {
  description = "Services reached through interface endpoints (~$7/month per AZ each), e.g. ssm, secretsmanager, sqs."
  type        = list(string)
  default     = ["ssm"]
}

################################################################################
# Functions
################################################################################

variable "security_groups" {
  description = "Names (the domains) that get their own security group for their functions."
  type        = set(string)
  default     = []
}
