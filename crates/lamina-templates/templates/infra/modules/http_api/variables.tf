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
# API
################################################################################

variable "name" {
  description = "Name of the HTTP API."
  type        = string
  default     = ""
}

variable "description" {
  description = "Description of the HTTP API."
  type        = string
  default     = null
}

################################################################################
# CORS
################################################################################

variable "cors_origins" {
  description = "Allowed origins; an empty list turns CORS off."
  type        = list(string)
  default     = []
}

variable "cors_allow_methods" {
  description = "Allowed methods for CORS."
  type        = list(string)
  default     = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
}

variable "cors_allow_headers" {
  description = "Allowed request headers for CORS."
  type        = list(string)
  default     = ["authorization", "content-type", "idempotency-key", "x-request-id"]
}

variable "cors_expose_headers" {
  description = "Response headers exposed to the browser."
  type        = list(string)
  default     = ["x-request-id"]
}

variable "cors_allow_credentials" {
  description = "Whether cookies may be sent; bearer tokens do not need it."
  type        = bool
  default     = false
}

variable "cors_max_age" {
  description = "Seconds a browser may cache a preflight response."
  type        = number
  default     = 3600
}

################################################################################
# Authorizer
################################################################################

variable "create_authorizer" {
  description = "Controls whether the Cognito JWT authorizer should be created."
  type        = bool
  default     = true
}

variable "jwt_issuer" {
  description = "Issuer URL of the user pool (https://cognito-idp.<region>.amazonaws.com/<pool id>)."
  type        = string
  default     = ""
}

variable "jwt_audience" {
  description = "Accepted audiences: the app client ids."
  type        = list(string)
  default     = []
}

################################################################################
# Integrations and routes
################################################################################

variable "integrations" {
  description = "Map of integration key (the domain) to the Lambda alias it invokes."
  type = map(object({
    lambda_arn           = string # alias ARN
    function_name        = string
    qualifier            = optional(string, "live")
    timeout_milliseconds = optional(number, 30000)
  }))
  default = {}
}

variable "routes" {
  description = "Map of route key (\"GET /user/health\") to its integration key and authorization."
  type = map(object({
    integration          = string
    authorization_type   = optional(string, "JWT") # "NONE" | "JWT"
    authorization_scopes = optional(list(string), [])
  }))
  default = {}
}

################################################################################
# Stage
################################################################################

variable "throttling_burst_limit" {
  description = "Burst limit of the $default stage."
  type        = number
  default     = 200
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second of the $default stage."
  type        = number
  default     = 100
}

variable "detailed_metrics_enabled" {
  description = "Whether per-route metrics are published (billed as custom metrics)."
  type        = bool
  default     = false
}

variable "cloudwatch_logs_retention_in_days" {
  description = "Retention of the access log group in days."
  type        = number
  default     = 30
}

variable "cloudwatch_logs_kms_key_id" {
  description = "KMS key ARN to encrypt the access log group with; null uses CloudWatch Logs' service key."
  type        = string
  default     = null
}

variable "cloudwatch_logs_tags" {
  description = "Additional tags for the access log group."
  type        = map(string)
  default     = {}
}
