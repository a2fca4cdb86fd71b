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

variable "name" {
  description = "Name prefix (\"<project>-<stage>\")."
  type        = string
  default     = ""
}

################################################################################
# Bucket
################################################################################

variable "bucket_name" {
  description = "Name of the site bucket; null uses \"<name>-site-<account id>\"."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Whether destroy may delete a non-empty bucket (false for protected stages)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS; null uses SSE-S3 (AES256)."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which replaced object versions are deleted."
  type        = number
  default     = 30
}

################################################################################
# CloudFront
################################################################################

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"
}

variable "aliases" {
  description = "Alternate domain names; needs acm_certificate_arn (us-east-1)."
  type        = list(string)
  default     = []
}

variable "acm_certificate_arn" {
  description = "ACM certificate in us-east-1 for the aliases; null uses the *.cloudfront.net certificate."
  type        = string
  default     = null
}

variable "web_acl_id" {
  description = "ARN of a WAFv2 web ACL (scope CLOUDFRONT) to associate."
  type        = string
  default     = null
}

variable "logging_bucket" {
  description = "Domain name of an ACL-enabled bucket for standard logs (\"logs.s3.amazonaws.com\"); null disables them."
  type        = string
  default     = null
}

variable "create_response_headers_policy" {
  description = "Controls whether the security headers policy should be created (off for moto, which lacks it)."
  type        = bool
  default     = true
}

variable "response_headers_policy_id" {
  description = "Existing response headers policy to use when create_response_headers_policy is false."
  type        = string
  default     = null
}

variable "content_security_policy" {
  description = "Content-Security-Policy header value; null sends none."
  type        = string
  default     = null
}

variable "wait_for_deployment" {
  description = "Whether apply waits until the distribution is deployed."
  type        = bool
  default     = true
}
