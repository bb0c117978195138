/// The content types every body is tried with.
let contentTypes = ["application/json", "application/x-www-form-urlencoded", "", "text/plain", "application/jwk+json; charset=utf-8"]
