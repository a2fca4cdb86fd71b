################################################################################
# lamina's contract (docs/contracts.md section 2)
################################################################################

variable "project" {
  description = "Project name (DNS-safe)."
  type        = string
  default     = ""
}

variable "stage" {
  description = "Stage name."
  type        = string
  default     = ""
}

variable "python" {
  description = "Lambda runtime of every function and layer, e.g. python3.12."
  type        = string
  default     = "python3.12"
}

variable "architecture" {
  description = "Instruction set architecture: arm64 or x86_64."
  type        = string
  default     = "arm64"
}

variable "log_level" {
  description = "Powertools log level of the stage; verbose levels cost CloudWatch ingestion."
  type        = string
  default     = "INFO"
}

variable "log_retention_days" {
  description = "Retention of every log group of the stage, in days."
  type        = number
  default     = 30
}

variable "protected" {
  description = "Whether the stage is protected: deletion protection on, no force destroy."
  type        = bool
  default     = false
}

variable "alarm_email" {
  description = "Email subscribed to the alarm topic; null subscribes nobody."
  type        = string
  default     = null
}

variable "cors_origins" {
  description = "Origins allowed to call the API."
  type        = list(string)
  default     = []
}

variable "layers" {
  description = "Map of layer name to its built zip and base64 sha256."
  type = map(object({
    zip        = string
    sha256_b64 = string
  }))
  default = {}
}

variable "domains" {
  description = "Map of domain name to its built zip and function settings."
  type = map(object({
    zip                  = string
    sha256_b64           = string
    handler              = optional(string, "handler.handler")
    memory               = optional(number, 512)
    timeout              = optional(number, 10)
    layers               = optional(list(string), [])
    env                  = optional(map(string), {})
    secrets              = optional(list(string), [])
    reserved_concurrency = optional(number)
    iam_statements = optional(list(object({
      effect    = string
      actions   = list(string)
      resources = list(string)
    })), [])
  }))
  default = {}
}

variable "routes" {
  description = "Map of route key (\"ANY /user/{proxy+}\") to its domain and authorization."
  type = map(object({
    domain = string
    auth   = optional(string, "JWT") # "NONE" | "JWT"
    scopes = optional(list(string), [])
  }))
  default = {}
}

variable "auth" {
  description = "Cognito settings of the stage."
  type = object({
    groups                 = optional(list(string), [])
    scopes                 = optional(map(string), {})
    callback_urls          = optional(list(string), [])
    logout_urls            = optional(list(string), [])
    access_token_minutes   = optional(number, 60)
    id_token_minutes       = optional(number, 60)
    refresh_token_days     = optional(number, 30)
    refresh_token_rotation = optional(bool, true)
  })
  default = {}
}

################################################################################
# Knobs outside the contract (set in the stage root, or in a *_override.tf for tests)
################################################################################

variable "tags" {
  description = "A map of tags to assign to all resources, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}

variable "throttling_burst_limit" {
  description = "Burst limit of the API's $default stage."
  type        = number
  default     = 200
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second of the API's $default stage."
  type        = number
  default     = 100
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"
}

variable "create_response_headers_policy" {
  description = "Controls whether the CloudFront security headers policy should be created (moto lacks it)."
  type        = bool
  default     = true
}

variable "content_security_policy" {
  description = "Content-Security-Policy of the site; null sends none."
  type        = string
  default     = null
}

variable "wait_for_deployment" {
  description = "Whether apply waits for the CloudFront distribution to deploy."
  type        = bool
  default     = true
}
