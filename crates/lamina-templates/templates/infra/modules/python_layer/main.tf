# A Lambda layer version built by `lamina build` and uploaded by `lamina deploy` to the
# artifact bucket under a key derived from its sha256. Terraform never zips. A new zip is a new
# key and hash, which publishes a new version:
# - create_before_destroy: the new version exists before any function moves to it, and the
#   old one is only let go after they moved;
# - skip_destroy: the old version is kept in AWS (only dropped from state), so a function
#   version still pinned to it, or a rollback of the `live` alias, finds its layers.
resource "aws_lambda_layer_version" "this" {
  count = var.create ? 1 : 0

  layer_name  = var.layer_name
  description = var.description

  s3_bucket        = var.s3_bucket
  s3_key           = var.s3_key
  source_code_hash = var.source_code_hash

  compatible_runtimes      = var.compatible_runtimes
  compatible_architectures = var.compatible_architectures
  license_info             = var.license_info

  skip_destroy = true

  lifecycle {
    create_before_destroy = true
  }
}
