variable "create" {
  description = "Controls whether resources should be created."
  type        = bool
  default     = true
}

variable "tags" {
  description = "A map of tags to assign to all resources."
  type        = map(string)
  default     = {}
}

################################################################################
# Function
################################################################################

variable "function_name" {
  description = "Unique name of the Lambda function."
  type        = string
  default     = ""
}

variable "description" {
  description = "Description of the Lambda function."
  type        = string
  default     = ""
}

variable "region" {
  description = "Region of the function (for ARNs in its policy)."
  type        = string
}

variable "s3_bucket" {
  description = "Bucket holding the function zip (the artifact bucket)."
  type        = string
  default     = null
}

variable "s3_key" {
  description = "Key of the function zip in s3_bucket, derived from its sha256 by `lamina deploy`."
  type        = string
  default     = null
}

variable "source_code_hash" {
  description = "Base64-encoded sha256 of the zip (the manifest's sha256_b64)."
  type        = string
  default     = null
}

variable "handler" {
  description = "Function entrypoint, e.g. handler.handler."
  type        = string
  default     = "handler.handler"
}

variable "runtime" {
  description = "Lambda runtime, e.g. python3.12."
  type        = string
  default     = "python3.12"
}

variable "architecture" {
  description = "Instruction set architecture: arm64 or x86_64."
  type        = string
  default     = "arm64"
}

variable "layers" {
  description = "Layer version ARNs, in order."
  type        = list(string)
  default     = []
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
  default     = 512
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 10
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency; null leaves the function in the unreserved account pool."
  type        = number
  default     = null
}

variable "environment_variables" {
  description = "Environment variables of the function; never secret values."
  type        = map(string)
  default     = {}
}

variable "tracing_mode" {
  description = "X-Ray tracing mode: Active or PassThrough."
  type        = string
  default     = "Active"
}

variable "kms_key_arn" {
  description = "KMS key to encrypt environment variables with; null uses the AWS managed key."
  type        = string
  default     = null
}

variable "code_signing_config_arn" {
  description = "Code signing configuration to enforce; null disables code signing."
  type        = string
  default     = null
}

variable "snap_start" {
  description = "Whether SnapStart snapshots every published version (Python 3.12+; not with provisioned concurrency)."
  type        = bool
  default     = false
}

variable "vpc_subnet_ids" {
  description = "Subnets to attach the function to; empty keeps it out of any VPC."
  type        = list(string)
  default     = []
}

variable "vpc_security_group_ids" {
  description = "Security groups of the function's network interfaces (with vpc_subnet_ids)."
  type        = list(string)
  default     = []
}

################################################################################
# Alias
################################################################################

variable "create_alias" {
  description = "Controls whether the alias pointing at the latest published version should be created."
  type        = bool
  default     = true
}

variable "alias_name" {
  description = "Name of the alias that API Gateway invokes."
  type        = string
  default     = "live"
}

variable "provisioned_concurrent_executions" {
  description = "Provisioned concurrency of the alias; 0 provisions none."
  type        = number
  default     = 0
}

################################################################################
# IAM
################################################################################

variable "role_name" {
  description = "Name of the execution role; null uses the function name."
  type        = string
  default     = null
}

variable "role_permissions_boundary" {
  description = "ARN of a permissions boundary for the execution role."
  type        = string
  default     = null
}

variable "role_tags" {
  description = "Additional tags for the execution role."
  type        = map(string)
  default     = {}
}

variable "ssm_parameter_arns" {
  description = "ARNs of the SSM parameters the function may read (ssm:GetParameter and kms:Decrypt via SSM)."
  type        = list(string)
  default     = []
}

variable "policy_statements" {
  description = "Additional IAM statements declared for the domain in lamina.toml."
  type = list(object({
    effect    = optional(string, "Allow")
    actions   = list(string)
    resources = list(string)
  }))
  default = []
}

################################################################################
# CloudWatch Logs
################################################################################

variable "cloudwatch_logs_retention_in_days" {
  description = "Retention of the function's log group in days."
  type        = number
  default     = 30
}

variable "cloudwatch_logs_kms_key_id" {
  description = "KMS key ARN to encrypt the log group with; null uses CloudWatch Logs' service key."
  type        = string
  default     = null
}

variable "cloudwatch_logs_tags" {
  description = "Additional tags for the log group."
  type        = map(string)
  default     = {}
}
