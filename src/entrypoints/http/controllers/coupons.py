"""Coupons, for admins (§13): create, list, read, change and deactivate them."""

from __future__ import annotations

from typing import Annotated

from litestar import Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.params import PathParameter

from bookstore.application.use_cases.browse_coupons import GetCouponCommand, ListCouponsCommand
from bookstore.application.use_cases.update_coupon import (
    DeactivateCouponCommand,
    UpdateCouponCommand,
)
from bookstore.entrypoints.http.dependencies import InjectedActor, InjectedPageRequest, container_of
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.common import LOCATION_HEADER, created
from bookstore.entrypoints.http.schemas.coupons import (
    MAX_TYPED_CODE,
    ActiveFilter,
    CouponCreate,
    CouponOut,
    CouponPage,
    CouponPatch,
    coupon_changes,
    coupon_out,
    coupon_page,
    create_command,
)
from bookstore.entrypoints.http.security import AdminController

CouponCode = Annotated[
    str,
    PathParameter(
        min_length=1, max_length=MAX_TYPED_CODE, description="The coupon's code (any case)."
    ),
]


class AdminCouponController(AdminController):
    path = "/api/admin/coupons"

    @post(
        "/",
        operation_id="createCoupon",
        sync_to_thread=True,
        response_headers=[LOCATION_HEADER],
        responses=problems(400, 401, 403, 409, 413, 415),
    )
    def create(
        self, state: State, data: StrictJSONBody[CouponCreate], actor: InjectedActor
    ) -> Response[CouponOut]:
        """Create a coupon; a code taken (in any case) is a 409 `duplicate-coupon`."""
        coupon = container_of(state).create_coupon()(create_command(actor, data))
        return created(coupon_out(coupon), f"/api/admin/coupons/{coupon.code}")

    @get("/", operation_id="listCoupons", sync_to_thread=True, responses=problems(400, 401, 403))
    def list_all(
        self,
        state: State,
        actor: InjectedActor,
        page_request: InjectedPageRequest,
        active: ActiveFilter = None,
    ) -> CouponPage:
        """Every coupon, newest first; `active` keeps the active or the inactive ones."""
        command = ListCouponsCommand(actor, page_request, active)
        return coupon_page(container_of(state).list_coupons()(command))

    @get(
        "/{code:str}",
        operation_id="getCoupon",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404),
    )
    def one(self, state: State, code: CouponCode, actor: InjectedActor) -> CouponOut:
        """One coupon, by code (any case)."""
        return coupon_out(container_of(state).get_coupon()(GetCouponCommand(actor, code)))

    @patch(
        "/{code:str}",
        operation_id="updateCoupon",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404, 413, 415),
    )
    def update(
        self,
        state: State,
        code: CouponCode,
        data: StrictJSONBody[CouponPatch],
        actor: InjectedActor,
    ) -> CouponOut:
        """Change the rules given; the others keep their value (the code cannot change)."""
        command = UpdateCouponCommand(actor, code, coupon_changes(data))
        return coupon_out(container_of(state).update_coupon()(command))

    @delete(
        "/{code:str}",
        operation_id="deactivateCoupon",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404),
    )
    def deactivate(self, state: State, code: CouponCode, actor: InjectedActor) -> None:
        """Deactivate the coupon: no cart or order may use it any more; orders that used it
        keep it."""
        container_of(state).deactivate_coupon()(DeactivateCouponCommand(actor, code))
