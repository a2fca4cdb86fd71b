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

variable "name" {
  description = "Name prefix (\"<project>-<stage>\")."
  type        = string
  default     = ""
}

variable "function_names" {
  description = "Map of domain to Lambda function name to watch."
  type        = map(string)
  default     = {}
}

variable "create_api_monitoring" {
  description = "Controls whether the API's 5xx alarm and dashboard widgets should be created."
  type        = bool
  default     = true
}

variable "api_id" {
  description = "Id of the HTTP API to watch."
  type        = string
  default     = ""
}

variable "api_stage" {
  description = "Stage of the HTTP API."
  type        = string
  default     = "$default"
}

################################################################################
# Notifications
################################################################################

variable "create_sns_topic" {
  description = "Controls whether the alarm topic should be created."
  type        = bool
  default     = true
}

variable "create_kms_key" {
  description = "Controls whether a CMK for the alarm topic should be created."
  type        = bool
  default     = true
}

variable "sns_kms_key_id" {
  description = "KMS key for the topic when create_kms_key is false; it must allow cloudwatch.amazonaws.com."
  type        = string
  default     = null
}

variable "alarm_email" {
  description = "Email address subscribed to the alarm topic; null subscribes nobody."
  type        = string
  default     = null
}

variable "alarm_actions" {
  description = "Alarm actions when create_sns_topic is false."
  type        = list(string)
  default     = []
}

################################################################################
# Alarms and dashboard
################################################################################

variable "create_alarms" {
  description = "Controls whether alarms should be created."
  type        = bool
  default     = true
}

variable "create_dashboard" {
  description = "Controls whether the dashboard should be created."
  type        = bool
  default     = true
}

variable "alarm_period_seconds" {
  description = "Evaluation period of the alarms in seconds."
  type        = number
  default     = 300
}

variable "function_error_threshold" {
  description = "Errors per period that raise a function alarm."
  type        = number
  default     = 1
}

variable "api_5xx_threshold" {
  description = "5xx responses per period that raise the API alarm."
  type        = number
  default     = 5
}
