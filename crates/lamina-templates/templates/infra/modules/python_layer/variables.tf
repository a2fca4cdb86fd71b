variable "create" {
  description = "Controls whether resources should be created."
  type        = bool
  default     = true
}

variable "layer_name" {
  description = "Name of the Lambda layer."
  type        = string
  default     = ""
}

variable "description" {
  description = "Description of the layer version."
  type        = string
  default     = null
}

variable "s3_bucket" {
  description = "Bucket holding the layer zip (the artifact bucket)."
  type        = string
  default     = null
}

variable "s3_key" {
  description = "Key of the layer zip in s3_bucket, derived from its sha256 by `lamina deploy`."
  type        = string
  default     = null
}

variable "source_code_hash" {
  description = "Base64-encoded sha256 of the zip (the manifest's sha256_b64); a change publishes a new version."
  type        = string
  default     = null
}

variable "compatible_runtimes" {
  description = "Runtimes the layer is compatible with, e.g. [\"python3.12\"]."
  type        = list(string)
  default     = []
}

variable "compatible_architectures" {
  description = "Architectures the layer is compatible with, e.g. [\"arm64\"]."
  type        = list(string)
  default     = []
}

variable "license_info" {
  description = "License information of the layer."
  type        = string
  default     = null
}
