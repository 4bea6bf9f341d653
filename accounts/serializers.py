"""The hub's shapes for auth and users: bare camelCase JSON (SPEC section B)."""

from rest_framework import serializers

from accounts.models import User
from accounts.services import TokenPair


class UserListSerializer(serializers.ModelSerializer):
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")
    createdAt = serializers.DateTimeField(source="date_joined")

    class Meta:
        model = User
        fields = ["id", "username", "firstName", "lastName", "role", "createdAt"]


class UserSerializer(UserListSerializer):
    """One user (GET /users/<id>, GET /auth/me): the list's fields and the e-mail."""

    class Meta(UserListSerializer.Meta):
        fields = ["id", "username", "firstName", "lastName", "role", "email", "createdAt"]


class UserUpdateSerializer(serializers.Serializer):
    firstName = serializers.CharField(max_length=150)
    lastName = serializers.CharField(max_length=150)
    role = serializers.CharField(max_length=50)
    email = serializers.EmailField(max_length=254)


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class RefreshTokenSerializer(serializers.Serializer):
    refreshToken = serializers.CharField(max_length=4096)


class InviteSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    firstName = serializers.CharField(max_length=150)
    lastName = serializers.CharField(max_length=150)
    role = serializers.CharField(max_length=50)


class RegisterSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200)
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenPairSerializer(serializers.Serializer):
    """The answer of log-in, refresh and register (documents the shape token_pair_body builds)."""

    accessToken = serializers.CharField()
    refreshToken = serializers.CharField()


def token_pair_body(pair: TokenPair) -> dict[str, str]:
    return {"accessToken": pair.access, "refreshToken": pair.refresh}
