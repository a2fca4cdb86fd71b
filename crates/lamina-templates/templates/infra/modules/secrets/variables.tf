variable "create" {
  description = "Controls whether the parameter names should be resolved."
  type        = bool
  default     = true
}

variable "region" {
  description = "Region of the resources (for ARNs and service names)."
  type        = string
}

variable "parameter_names" {
  description = "Full SSM parameter names (\"/rides/dev/stripe-api-key\"); only names, never values."
  type        = list(string)
  default     = []
}
