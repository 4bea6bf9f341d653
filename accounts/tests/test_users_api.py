"""The users API (SPEC section B, Users): visibility, pages, updates and deactivation by role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from accounts.tests.conftest import bearer, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    """One active user per role, plus a deactivated one and an invited draft that no list shows."""
    people = {role: make_user(role) for role in Role}
    make_user(Role.USER, username="gone", is_active=False)
    User.objects.create_user(email="draft@example.com", role=Role.USER, is_active=False)
    return people


def ids(response):
    return {row["id"] for row in response.json()["users"]}


def put_body(user, **changes):
    body = {
        "firstName": user.first_name or "First",
        "lastName": user.last_name or "Last",
        "role": user.role,
        "email": user.email,
    }
    return {**body, **changes}


def test_the_list_answers_users_and_total_pages_in_camel_case(client_for, staff):
    admin = client_for(Role.ADMIN)
    response = admin.get("/api/v1/users")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"users", "totalPages"} and body["totalPages"] == 1
    row = next(r for r in body["users"] if r["id"] == staff[Role.MANAGER].pk)
    assert set(row) == {"id", "username", "firstName", "lastName", "role", "createdAt"}
    assert row["role"] == "Manager" and row["username"] == staff[Role.MANAGER].username


@pytest.mark.parametrize(
    "caller,seen",
    [
        (Role.ADMIN, {Role.ADMIN, Role.MANAGER, Role.USER, Role.READONLY}),
        (Role.MANAGER, {Role.MANAGER, Role.USER, Role.READONLY}),
        (Role.USER, {Role.USER, Role.READONLY}),
    ],
)
def test_a_caller_sees_peers_and_inferiors_but_no_deactivated_or_draft_account(client_for, staff, caller, seen):
    client = client_for(caller)
    expected = {staff[role].pk for role in seen} | {client.user.pk}
    assert ids(client.get("/api/v1/users?pageSize=100")) == expected


def test_readonly_users_cannot_manage_users(client_for, staff):
    client = client_for(Role.READONLY)
    target = staff[Role.READONLY]
    for response in (
        client.get("/api/v1/users"),
        client.get(f"/api/v1/users/{target.pk}"),
        client.put(f"/api/v1/users/{target.pk}", put_body(target)),
        client.delete(f"/api/v1/users/{target.pk}"),
    ):
        assert response.status_code == 403 and response.json()["success"] is False
    assert User.objects.get(pk=target.pk).is_active


def test_the_users_api_needs_a_token(anon):
    assert anon.get("/api/v1/users").status_code == 401


def test_pages_and_page_sizes(client_for, make_user):
    admin = client_for(Role.ADMIN)
    for _ in range(11):
        make_user(Role.USER)
    first = admin.get("/api/v1/users").json()
    assert len(first["users"]) == 10 and first["totalPages"] == 2, "default pageSize 10, 12 users"
    second = admin.get("/api/v1/users/?page=2").json()
    assert len(second["users"]) == 2
    assert ids(admin.get("/api/v1/users?pageSize=100")) == set(User.objects.values_list("pk", flat=True))
    beyond = admin.get("/api/v1/users?page=9").json()
    assert beyond == {"users": [], "totalPages": 2}


@pytest.mark.parametrize(
    "query,errors",
    [
        ("page=0", {"page": ["The page must be a positive integer"]}),
        ("page=-1", {"page": ["The page must be a positive integer"]}),
        ("page=x", {"page": ["The page must be a positive integer"]}),
        ("pageSize=0", {"pageSize": ["The pageSize must be a positive integer"]}),
        ("pageSize=101", {"pageSize": ["The pageSize must be at most 100"]}),
        ("ordering=password", None),
    ],
)
def test_bad_list_parameters_are_400(api, query, errors):
    response = api.get(f"/api/v1/users?{query}")
    assert response.status_code == 400
    if errors:
        assert response.json()["errors"] == errors
    else:
        assert "ordering" in response.json()["errors"]


def test_search_matches_username_names_and_email(api, make_user):
    john = make_user(Role.USER, username="jsmith", first_name="John", last_name="Smith", email="js@example.com")
    jane = make_user(Role.USER, username="jane", first_name="Jane", last_name="Doe", email="johnny-fan@example.com")
    make_user(Role.USER, username="zed", first_name="Zed", last_name="Zulu", email="z@example.com")
    assert ids(api.get("/api/v1/users?search=john")) == {john.pk, jane.pk}
    assert ids(api.get("/api/v1/users?search=SMITH")) == {john.pk}
    assert ids(api.get("/api/v1/users?search=jsmith")) == {john.pk}
    assert ids(api.get("/api/v1/users?search=john doe")) == {jane.pk}, "every word must match"


def test_ordering(api, make_user):
    make_user(Role.USER, username="bob")
    make_user(Role.READONLY, username="alice")
    make_user(Role.MANAGER, username="carol")
    names = lambda query: [r["username"] for r in api.get(f"/api/v1/users?{query}").json()["users"]]  # noqa: E731
    assert names("ordering=username")[:3] == ["admin1", "alice", "bob"]
    assert names("ordering=-createdAt")[:3] == ["carol", "alice", "bob"]
    assert names("ordering=-role") == ["admin1", "carol", "bob", "alice"], "role sorts by rank"


def test_reading_one_user(client_for, staff):
    manager = client_for(Role.MANAGER)
    user = staff[Role.USER]
    body = manager.get(f"/api/v1/users/{user.pk}/").json()
    assert body["email"] == user.email and body["firstName"] == user.first_name and body["id"] == user.pk
    assert manager.get(f"/api/v1/users/{staff[Role.MANAGER].pk}").status_code == 200, "a peer"
    superior = manager.get(f"/api/v1/users/{staff[Role.ADMIN].pk}")
    assert superior.status_code == 403 and superior.json()["statusCode"] == 403
    assert manager.get("/api/v1/users/999999").status_code == 404
    gone = User.objects.get(username="gone")
    assert manager.get(f"/api/v1/users/{gone.pk}").status_code == 404


def test_an_update_changes_a_strictly_inferior_user(client_for, staff):
    manager = client_for(Role.MANAGER)
    user = staff[Role.USER]
    body = {"firstName": "Ulla", "lastName": "Berg", "role": "Manager", "email": "Ulla@Example.com"}
    response = manager.put(f"/api/v1/users/{user.pk}", body)
    assert response.status_code == 204 and response.content == b""
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.role, user.email) == ("Ulla", "Berg", "Manager", "ulla@example.com")
    assert user.is_staff, "a Manager enters the admin"


@pytest.mark.parametrize(
    "caller,target,new_role",
    [
        (Role.MANAGER, Role.MANAGER, Role.USER),  # a peer
        (Role.MANAGER, Role.ADMIN, Role.ADMIN),  # a superior
        (Role.MANAGER, Role.USER, Role.ADMIN),  # promotion above the caller
        (Role.USER, Role.USER, Role.READONLY),
        (Role.USER, Role.READONLY, Role.MANAGER),
    ],
)
def test_role_refusals_are_403_and_change_nothing(client_for, staff, caller, target, new_role):
    client = client_for(caller)
    user = staff[target]
    response = client.put(f"/api/v1/users/{user.pk}", put_body(user, role=new_role, firstName="Changed"))
    assert response.status_code == 403
    assert response.json()["success"] is False and response.json()["statusCode"] == 403
    user.refresh_from_db()
    assert user.role == target and user.first_name != "Changed"


def test_a_user_may_manage_a_readonly_user(client_for, staff):
    target = staff[Role.READONLY]
    response = client_for(Role.USER).put(f"/api/v1/users/{target.pk}", put_body(target, role=Role.USER))
    assert response.status_code == 204 and User.objects.get(pk=target.pk).role == Role.USER


def test_nobody_changes_their_own_account_through_the_users_api(client_for):
    admin = client_for(Role.ADMIN)
    me = admin.user
    assert admin.put(f"/api/v1/users/{me.pk}", put_body(me, firstName="Me")).status_code == 403
    assert admin.delete(f"/api/v1/users/{me.pk}").status_code == 403


def test_bad_update_bodies_are_400(api, staff, make_user):
    user = staff[Role.USER]
    response = api.put(f"/api/v1/users/{user.pk}", put_body(user, role="Boss"))
    assert response.status_code == 400 and response.json()["errors"] == {"role": ["The role 'Boss' is not valid"]}
    response = api.put(f"/api/v1/users/{user.pk}", {"firstName": "Only"})
    assert response.status_code == 400 and {"lastName", "role", "email"} <= set(response.json()["errors"])
    taken = staff[Role.MANAGER].email
    response = api.put(f"/api/v1/users/{user.pk}", put_body(user, email=taken.upper()))
    assert response.status_code == 400 and "email" in response.json()["errors"]
    user_before = User.objects.get(pk=user.pk)
    assert user_before.email == user.email and user_before.role == user.role
    assert api.patch(f"/api/v1/users/{user.pk}", {"firstName": "P"}).status_code == 405
    assert api.post("/api/v1/users", put_body(user)).status_code == 405


def test_deleting_deactivates_the_account_which_stays(client_for, anon, staff):
    target = staff[Role.USER]
    tokens = login(anon, target.email).json()
    manager = client_for(Role.MANAGER)
    response = manager.delete(f"/api/v1/users/{target.pk}/")
    assert response.status_code == 204 and response.content == b""
    target.refresh_from_db()
    assert not target.is_active, "deactivated, not erased"
    assert login(anon, target.email).status_code == 401
    assert bearer(tokens["accessToken"]).get("/api/v1/auth/me").status_code == 401
    assert anon.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 401
    assert target.pk not in ids(manager.get("/api/v1/users?pageSize=100"))
    assert manager.get(f"/api/v1/users/{target.pk}").status_code == 404


@pytest.mark.parametrize(
    "caller,target", [(Role.MANAGER, Role.MANAGER), (Role.MANAGER, Role.ADMIN), (Role.USER, Role.USER)]
)
def test_deleting_a_peer_or_superior_is_403(client_for, staff, caller, target):
    response = client_for(caller).delete(f"/api/v1/users/{staff[target].pk}")
    assert response.status_code == 403
    assert User.objects.get(pk=staff[target].pk).is_active


def test_the_list_query_count_does_not_grow_with_rows(api, make_user):
    make_user(Role.USER)
    api.get("/api/v1/users?ordering=role")  # warm: from here on the token check remembers the user, as in production
    with CaptureQueriesContext(connection) as few:
        assert api.get("/api/v1/users?ordering=role").status_code == 200
    for _ in range(20):
        make_user(Role.USER)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/users?ordering=role&pageSize=50").json()["users"]) == 22
    assert len(many) == len(few)
