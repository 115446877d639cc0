"""One use case per module, each a class called with a command; re-exported here."""

from bookstore.application.use_cases.add_book import AddBook, AddBookCommand
from bookstore.application.use_cases.add_to_cart import AddToCart, AddToCartCommand
from bookstore.application.use_cases.adjust_stock import AdjustStock, AdjustStockCommand
from bookstore.application.use_cases.apply_coupon import ApplyCoupon, ApplyCouponCommand
from bookstore.application.use_cases.authenticate import Authenticate, Authenticated
from bookstore.application.use_cases.browse_coupons import (
    GetCoupon,
    GetCouponCommand,
    ListCoupons,
    ListCouponsCommand,
)
from bookstore.application.use_cases.cancel_order import CancelOrder, CancelOrderCommand
from bookstore.application.use_cases.change_order_status import (
    ChangeOrderStatus,
    ChangeOrderStatusCommand,
)
from bookstore.application.use_cases.clear_cart import ClearCart
from bookstore.application.use_cases.create_admin import CreateAdmin, CreateAdminCommand
from bookstore.application.use_cases.create_coupon import CreateCoupon, CreateCouponCommand
from bookstore.application.use_cases.export_books import ExportBooks
from bookstore.application.use_cases.get_book import GetBook
from bookstore.application.use_cases.get_order import GetOrder, GetOrderCommand
from bookstore.application.use_cases.get_profile import GetProfile
from bookstore.application.use_cases.import_books import ImportBooks, ImportBooksCommand
from bookstore.application.use_cases.list_low_stock import ListLowStock, ListLowStockCommand
from bookstore.application.use_cases.list_movements import ListMovements, ListMovementsCommand
from bookstore.application.use_cases.list_orders import (
    ListAllOrders,
    ListAllOrdersCommand,
    ListMyOrders,
    ListMyOrdersCommand,
)
from bookstore.application.use_cases.list_users import ListUsers, ListUsersCommand
from bookstore.application.use_cases.log_in import LogIn, LogInCommand
from bookstore.application.use_cases.log_out import LogOut, LogOutCommand
from bookstore.application.use_cases.place_order import PlaceOrder, PlaceOrderCommand
from bookstore.application.use_cases.place_order_once import (
    OrderPlacement,
    PlaceOrderOnce,
    PlaceOrderOnceCommand,
)
from bookstore.application.use_cases.prune_expired import PruneExpired, PruneReport
from bookstore.application.use_cases.reconcile_inventory import ReconcileInventory
from bookstore.application.use_cases.refresh_session import (
    RefreshSession,
    RefreshSessionCommand,
)
from bookstore.application.use_cases.register_user import RegisterUser, RegisterUserCommand
from bookstore.application.use_cases.remove_book import RemoveBook, RemoveBookCommand
from bookstore.application.use_cases.remove_coupon import RemoveCoupon, RemoveCouponCommand
from bookstore.application.use_cases.remove_from_cart import (
    RemoveFromCart,
    RemoveFromCartCommand,
)
from bookstore.application.use_cases.restock_book import RestockBook, RestockBookCommand
from bookstore.application.use_cases.search_books import SearchBooks
from bookstore.application.use_cases.set_cart_quantity import (
    SetCartQuantity,
    SetCartQuantityCommand,
)
from bookstore.application.use_cases.update_book import UpdateBook, UpdateBookCommand
from bookstore.application.use_cases.update_coupon import (
    CouponChanges,
    DeactivateCoupon,
    DeactivateCouponCommand,
    UpdateCoupon,
    UpdateCouponCommand,
)
from bookstore.application.use_cases.update_user import UpdateUser, UpdateUserCommand
from bookstore.application.use_cases.view_cart import CartLineView, CartView, ViewCart

__all__ = [
    "AddBook",
    "AddBookCommand",
    "AddToCart",
    "AddToCartCommand",
    "AdjustStock",
    "AdjustStockCommand",
    "Authenticate",
    "Authenticated",
    "CancelOrder",
    "CancelOrderCommand",
    "CartLineView",
    "CartView",
    "ChangeOrderStatus",
    "ChangeOrderStatusCommand",
    "ClearCart",
    "CreateAdmin",
    "CreateAdminCommand",
    "ExportBooks",
    "GetBook",
    "GetOrder",
    "GetOrderCommand",
    "GetProfile",
    "ImportBooks",
    "ImportBooksCommand",
    "ListAllOrders",
    "ListAllOrdersCommand",
    "ListLowStock",
    "ListLowStockCommand",
    "ListMovements",
    "ListMovementsCommand",
    "ListMyOrders",
    "ListMyOrdersCommand",
    "ListUsers",
    "ListUsersCommand",
    "LogIn",
    "LogInCommand",
    "LogOut",
    "LogOutCommand",
    "OrderPlacement",
    "PlaceOrder",
    "PlaceOrderCommand",
    "PlaceOrderOnce",
    "PlaceOrderOnceCommand",
    "PruneExpired",
    "PruneReport",
    "ReconcileInventory",
    "RefreshSession",
    "RefreshSessionCommand",
    "RegisterUser",
    "RegisterUserCommand",
    "RemoveBook",
    "RemoveBookCommand",
    "RemoveFromCart",
    "RemoveFromCartCommand",
    "RestockBook",
    "RestockBookCommand",
    "SearchBooks",
    "SetCartQuantity",
    "SetCartQuantityCommand",
    "UpdateBook",
    "UpdateBookCommand",
    "UpdateUser",
    "UpdateUserCommand",
    "ViewCart",
]
# Coupons (§13)
__all__ += [
    "ApplyCoupon",
    "ApplyCouponCommand",
    "CouponChanges",
    "CreateCoupon",
    "CreateCouponCommand",
    "DeactivateCoupon",
    "DeactivateCouponCommand",
    "GetCoupon",
    "GetCouponCommand",
    "ListCoupons",
    "ListCouponsCommand",
    "RemoveCoupon",
    "RemoveCouponCommand",
    "UpdateCoupon",
    "UpdateCouponCommand",
]
