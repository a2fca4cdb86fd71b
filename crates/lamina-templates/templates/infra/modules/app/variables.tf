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

variable "region" {
  description = "AWS region of the stage (the provider's)."
  type        = string
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

variable "artifact_bucket" {
  description = "Bucket holding every function and layer zip (created by `lamina bootstrap`, filled by `lamina deploy`)."
  type        = string
  default     = ""

  validation {
    condition     = var.artifact_bucket != "" || length(var.domains) + length(var.layers) == 0
    error_message = "artifact_bucket is empty but there are domains or layers to deploy: run `lamina bootstrap` (it creates the bucket) and deploy with `lamina deploy`."
  }
}

variable "layers" {
  description = "Map of layer name to its zip's key in the artifact bucket and its base64 sha256."
  type = map(object({
    s3_key     = string
    sha256_b64 = string
  }))
  default = {}
}

variable "domains" {
  description = "Map of domain name to its zip's key in the artifact bucket and its function settings."
  type = map(object({
    s3_key               = string
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
    vpc                     = optional(bool, false)
    snap_start              = optional(bool, false)
    provisioned_concurrency = optional(number, 0)
  }))
  default = {}

  validation {
    condition     = alltrue([for d in values(var.domains) : d.provisioned_concurrency >= 0 && floor(d.provisioned_concurrency) == d.provisioned_concurrency])
    error_message = "provisioned_concurrency must be a whole number >= 0 (0 turns it off); domains: ${join(", ", [for k, d in var.domains : k if !(d.provisioned_concurrency >= 0 && floor(d.provisioned_concurrency) == d.provisioned_concurrency)])}."
  }

  validation {
    condition     = alltrue([for d in values(var.domains) : !d.snap_start || d.provisioned_concurrency == 0])
    error_message = "snap_start and provisioned_concurrency exclude each other (Lambda does not provision SnapStart versions); domains: ${join(", ", [for k, d in var.domains : k if d.snap_start && d.provisioned_concurrency != 0])}."
  }

  validation {
    condition     = alltrue([for d in values(var.domains) : !d.snap_start || try(tonumber(regex("^python3\\.(\\d+)$", var.python)[0]) >= 12, false)])
    error_message = "snap_start needs python3.12 or later (Lambda SnapStart for Python), the runtime is ${var.python}; set [project] python = \"3.12\" or turn snap_start off for: ${join(", ", [for k, d in var.domains : k if d.snap_start])}."
  }

  validation {
    condition     = alltrue([for d in values(var.domains) : d.reserved_concurrency == null || d.provisioned_concurrency <= coalesce(d.reserved_concurrency, 0)])
    error_message = "provisioned_concurrency cannot exceed reserved_concurrency; domains: ${join(", ", [for k, d in var.domains : k if d.reserved_concurrency != null && d.provisioned_concurrency > coalesce(d.reserved_concurrency, 0)])}."
  }

  validation {
    condition     = alltrue(flatten([for d in values(var.domains) : [for l in d.layers : contains(keys(var.layers), l)]]))
    error_message = "Layers used by a domain but missing from `layers`: ${join(", ", distinct(flatten([for k, d in var.domains : [for l in d.layers : "${k} -> ${l}" if !contains(keys(var.layers), l)]])))}."
  }

  validation {
    condition     = alltrue([for d in values(var.domains) : length(d.layers) <= 5])
    error_message = "A Lambda function can use at most 5 layers; domains: ${join(", ", [for k, d in var.domains : k if length(d.layers) > 5])}."
  }
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

variable "network" {
  description = "Where domains with `vpc = true` run: an existing VPC (vpc_id + subnet_ids) or a new one; unused when no domain has vpc = true."
  type = object({
    vpc_id              = optional(string)
    subnet_ids          = optional(list(string), [])
    cidr                = optional(string, "10.20.0.0/16")
    az_count            = optional(number, 2)
    interface_endpoints = optional(list(string), ["ssm"])
    gateway_endpoints   = optional(list(string), ["s3", "dynamodb"])
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.network.vpc_id == null || length(var.network.subnet_ids) > 0
    error_message = "network.vpc_id is set (an existing VPC) but network.subnet_ids is empty: list the private subnets the functions run in."
  }
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
  description = "Whether apply waits (minutes) until CloudFront has propagated the distribution; the site is served once it has."
  type        = bool
  default     = false
}

variable "function_permissions_boundary" {
  description = "ARN of a permissions boundary for every function role (required by the CI deploy roles of modules/ci_oidc); null: none."
  type        = string
  default     = null
}
