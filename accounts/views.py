"""Hub API, auth and users (SPEC section B): bare camelCase JSON, errors in the shared envelope."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from accounts import selectors, services, throttles
from accounts.models import User
from accounts.permissions import ALL_ROLES, INVITE_ROLES, UserManagementPermission
from accounts.serializers import (
    InviteSerializer,
    LoginSerializer,
    RefreshTokenSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserListSerializer,
    UserSerializer,
    UserUpdateSerializer,
    token_pair_body,
)
from stocky.kit.api import MAX_SEARCH_LENGTH, search_text
from stocky.kit.hub import HubPagination
from stocky.kit.schema import error_response, hub_page


def valid(serializer_class: type[Serializer], request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PublicAuthView(APIView):
    """Log-in, refresh and register: no token needed (a stale one sent along is ignored), throttled
    per client IP and per account."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [throttles.AuthIPThrottle, throttles.AuthAccountThrottle]
    throttle_scope = None

    def throttle_account(self, data: dict) -> str | None:
        return None


class LoginView(PublicAuthView):
    throttle_scope = "login"

    def throttle_account(self, data: dict) -> str | None:
        return throttles.email_account(data.get("email"))

    @extend_schema(
        request=LoginSerializer,
        responses={200: TokenPairSerializer, 401: error_response("Wrong e-mail or password, or an inactive account.")},
    )
    def post(self, request: Request) -> Response:
        data = valid(LoginSerializer, request)
        user = services.user_authenticate(email=data["email"], password=data["password"], request=request)
        return Response(token_pair_body(services.token_pair_issue(user=user)))


class RefreshView(PublicAuthView):
    throttle_scope = "refresh"

    def throttle_account(self, data: dict) -> str | None:
        return throttles.refresh_token_account(data.get("refreshToken"))

    @extend_schema(
        request=RefreshTokenSerializer,
        responses={200: TokenPairSerializer, 401: error_response("An expired, revoked or used refresh token.")},
    )
    def post(self, request: Request) -> Response:
        data = valid(RefreshTokenSerializer, request)
        return Response(token_pair_body(services.refresh_token_rotate(raw=data["refreshToken"])))


class RegisterView(PublicAuthView):
    throttle_scope = "register"

    def throttle_account(self, data: dict) -> str | None:
        return throttles.invitation_account(data.get("token"))

    @extend_schema(request=RegisterSerializer, responses={201: TokenPairSerializer})
    def post(self, request: Request) -> Response:
        data = valid(RegisterSerializer, request)
        user = services.invitation_accept(token=data["token"], username=data["username"], password=data["password"])
        return Response(token_pair_body(services.token_pair_issue(user=user)), status=status.HTTP_201_CREATED)


class LogoutView(APIView):
    role_overrides = {"POST": ALL_ROLES}  # everyone may log out, ReadonlyUser included

    @extend_schema(request=RefreshTokenSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = valid(RefreshTokenSerializer, request)
        services.refresh_token_revoke(raw=data["refreshToken"], user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=UserSerializer)
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)


class InviteView(APIView):
    role_overrides = {"POST": INVITE_ROLES}

    @extend_schema(request=InviteSerializer, responses={201: None})
    def post(self, request: Request) -> Response:
        data = valid(InviteSerializer, request)
        services.invitation_create(
            inviter=request.user,
            email=data["email"],
            first_name=data["firstName"],
            last_name=data["lastName"],
            role=data["role"],
        )
        return Response(status=status.HTTP_201_CREATED)


class UserViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """GET /users, GET|PUT|DELETE /users/<id>. Who may touch whom: accounts.permissions."""

    permission_classes = [UserManagementPermission]
    serializer_class = UserSerializer
    filter_backends = []  # search, ordering and pages follow the hub's own parameters (selectors)
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "put", "delete", "head", "options"]
    pagination_class = HubPagination
    list_key = "users"  # the key of the rows in a page (HubPagination)

    def get_queryset(self) -> QuerySet[User]:
        # Every active user, so that a superior's id answers 403 (the permission) and not 404.
        return selectors.active_users()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "search",
                {"type": "string", "maxLength": MAX_SEARCH_LENGTH},
                description="Words that must each match the username, a name or the e-mail.",
            ),
            OpenApiParameter(
                "ordering",
                description=f"Sort by one or more of {', '.join(selectors.ORDERING_FIELDS)}, "
                "separated by commas; `-` before a name sorts descending.",
            ),
        ],
        responses=hub_page("UserPage", "users", UserListSerializer),
    )
    def list(self, request: Request) -> Response:
        # The hub's pages (page, pageSize, a page past the end is empty); search and ordering are the users'
        # own (selectors), not the filter backends'.
        users = selectors.user_list(
            actor=request.user,
            search=search_text(request),
            ordering=request.query_params.get("ordering", ""),
        )
        rows = self.paginate_queryset(users)
        return self.get_paginated_response(UserListSerializer(rows, many=True).data)

    @extend_schema(request=UserUpdateSerializer, responses={204: None})
    def update(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        data = valid(UserUpdateSerializer, request)
        services.user_update(
            actor=request.user,
            user=user,
            first_name=data["firstName"],
            last_name=data["lastName"],
            role=data["role"],
            email=data["email"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        services.user_deactivate(user=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
