import JWTAuthRemote
import Testing
