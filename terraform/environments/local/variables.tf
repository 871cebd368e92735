variable "endpoint" {
  description = "URL of the local AWS emulator (moto server), e.g. `http://127.0.0.1:5000`."
  type        = string

  validation {
    condition     = can(regex("^http://(127\\.[0-9.]+|localhost|\\[::1\\]):[0-9]+$", var.endpoint))
    error_message = "endpoint must be an emulator on this machine: http://127.0.0.1:PORT."
  }
}

variable "region" {
  description = "Region the emulator's resources live in."
  type        = string
  default     = "us-east-1"
}

variable "artifacts_dir" {
  description = "Where `make package` put the function zips, relative to this directory; a missing one is replaced by placeholder.zip (the emulator never runs the code)."
  type        = string
  default     = "../../../target/lambda"
}
