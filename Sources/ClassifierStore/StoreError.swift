import Foundation
import StoreInterface
import GRDB

