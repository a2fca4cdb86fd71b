variable "create" {
  description = "Controls whether the parameter names should be resolved."
  type        = bool
  default     = true
}

variable "parameter_names" {
  description = "Full SSM parameter names (\"/rides/dev/stripe-api-key\"); only names, never values."
  type        = list(string)
  default     = []
}
