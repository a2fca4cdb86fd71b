terraform {
  # 1.10: the S3 backend's native lock file (use_lockfile) and variable validations that
  # refer to other variables (1.9).
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Tested with 5.100; 6.x is today's line. Nothing here uses an attribute that 6.0
      # removed or deprecated (e.g. no data.aws_region.name: the region is passed in).
      version = ">= 5.100, < 7.0"
    }
  }
}
